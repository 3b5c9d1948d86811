#include "DatasetError.h"

#include <algorithm>

namespace cnnslicer
{

namespace
{

std::string singleLine(std::string text)
{
  std::replace_if(
    text.begin(), text.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  return text;
}

std::string composeMessage(const std::string& file,
                           const std::string& problem,
                           const std::string& fix)
{
  std::string message = file.empty() ? problem : file + ": " + problem;
  if (!fix.empty())
  {
    message += "; " + fix;
  }
  return singleLine(message);
}

} // namespace

DatasetError::DatasetError(const std::string& file,
                           const std::string& problem,
                           const std::string& fix)
  : std::runtime_error(composeMessage(file, problem, fix))
  , File(file)
{
}

} // namespace cnnslicer
