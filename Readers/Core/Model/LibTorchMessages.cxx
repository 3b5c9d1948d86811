#include "LibTorchMessages.h"

namespace cnnslicer
{

std::string firstLine(const std::string& text)
{
  // Some LibTorch texts start with a line break (a damaged archive's stream errors): the
  // reason is the first line that says something.
  std::size_t begin = 0;
  while (begin < text.size())
  {
    std::size_t end = text.find('\n', begin);
    end = end == std::string::npos ? text.size() : end;
    const std::size_t first = text.find_first_not_of(" \t\r", begin);
    if (first != std::string::npos && first < end)
    {
      const std::size_t last = text.find_last_not_of(" \t\r", end - 1);
      return text.substr(first, last + 1 - first);
    }
    begin = end + 1;
  }
  return std::string();
}

std::string interpreterMessage(const std::string& text)
{
  const std::string marker = "Error: ";
  const std::size_t at = text.rfind(marker);
  return firstLine(at == std::string::npos ? text : text.substr(at + marker.size()));
}

std::string describeTorchScriptLoadFailure(const std::string& libtorchMessage)
{
  const std::string marker = "Expected Object but got ";
  const std::size_t at = libtorchMessage.find(marker);
  if (libtorchMessage.find("INTERNAL ASSERT FAILED") != std::string::npos &&
      at != std::string::npos)
  {
    return "its data.pkl holds a value of type " +
           firstLine(libtorchMessage.substr(at + marker.size())) + ", not a module";
  }
  const std::string reason = firstLine(libtorchMessage);
  return reason.empty() ? "LibTorch gave no reason; the file is damaged or incomplete" : reason;
}

} // namespace cnnslicer
