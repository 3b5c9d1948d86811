/**
 * @file DatasetError.h
 * @brief The one exception type of the dataset loaders: a one-line message for the user.
 */
#pragma once

#include <stdexcept>
#include <string>

namespace cnnslicer
{

/**
 * @brief A dataset, metadata or selection problem, as one line that names the file, says
 * what is wrong and what to do: "<file>: <problem>; <fix>".
 *
 * The message is shown as is in ParaView's output window and in pvpython tracebacks, so
 * it never spans lines (line breaks in the parts are replaced by spaces).
 */
class DatasetError : public std::runtime_error
{
public:
  /// @p file: the file or directory concerned; @p problem: what is wrong; @p fix: what to do.
  DatasetError(const std::string& file, const std::string& problem, const std::string& fix);

  /// The file or directory the message is about.
  const std::string& file() const { return File; }

private:
  std::string File;
};

} // namespace cnnslicer
