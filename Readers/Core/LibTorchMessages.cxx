#include "LibTorchMessages.h"

namespace cnnslicer
{

std::string firstLine(const std::string& text)
{
  return text.substr(0, text.find('\n'));
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
  return firstLine(libtorchMessage);
}

} // namespace cnnslicer
