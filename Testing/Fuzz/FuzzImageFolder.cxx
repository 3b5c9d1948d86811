// libFuzzer target: the folder structure an image-folder scan sees. Each input line
// creates one thing under a fresh root:
//   d <path>            a folder
//   l <path> <target>   a symbolic link to <target>, relative to the link's folder
//   <path>              an empty file (parent folders are created)
// Paths are cleaned so that everything stays inside the root: components "", "." and
// ".." are dropped, and a link whose target leaves the root is not made (or removed once
// every link exists). Links can point back at an ancestor, which makes folder cycles. Then format
// detection and scanImageFolder() run on the root.
#include "DatasetLoader.h"
#include "FuzzSupport.h"
#include "ImageFolderScanner.h"

#include <string>
#include <vector>

namespace
{

namespace fs = std::filesystem;

constexpr std::size_t MaximumLines = 48;
constexpr std::size_t MaximumDepth = 6;
constexpr std::size_t MaximumComponentBytes = 64;

/// @p text as a relative path of at most MaximumDepth clean components.
fs::path cleanRelativePath(const std::string& text)
{
  fs::path result;
  std::size_t depth = 0;
  std::size_t start = 0;
  while (start <= text.size() && depth < MaximumDepth)
  {
    std::size_t end = text.find('/', start);
    if (end == std::string::npos)
    {
      end = text.size();
    }
    std::string component = text.substr(start, std::min(end - start, MaximumComponentBytes));
    for (char& c : component)
    {
      c = c == '\0' ? '_' : c;
    }
    if (!component.empty() && component != "." && component != "..")
    {
      result /= component;
      ++depth;
    }
    start = end + 1;
  }
  return result;
}

/// True when @p target, taken relative to @p linkFolder (both under @p root), stays inside
/// @p root after lexical normalisation.
bool staysInside(const fs::path& root, const fs::path& linkFolder, const std::string& target)
{
  if (target.empty() || target.front() == '/' || target.find('\0') != std::string::npos)
  {
    return false;
  }
  const fs::path resolved = (linkFolder / target).lexically_normal();
  const fs::path relative = resolved.lexically_relative(root);
  return !relative.empty() && *relative.begin() != "..";
}

/// Removes every link of @p links that resolves (through the links made after it, too) to
/// a place outside @p root, such as "s/.." where s points at the root itself.
void removeEscapingLinks(const fs::path& root, const std::vector<fs::path>& links)
{
  const fs::path canonicalRoot = fs::canonical(root);
  for (const fs::path& link : links)
  {
    std::error_code error;
    const fs::path resolved = fs::canonical(link, error);
    if (!error)
    {
      const fs::path relative = resolved.lexically_relative(canonicalRoot);
      if (relative.empty() || *relative.begin() == "..")
      {
        fs::remove(link, error);
      }
    }
  }
}

void build(const fs::path& root, const std::string& text)
{
  std::error_code error;
  std::vector<fs::path> links;
  std::size_t lines = 0;
  std::size_t start = 0;
  while (start < text.size() && lines++ < MaximumLines)
  {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos)
    {
      end = text.size();
    }
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    if (line.rfind("d ", 0) == 0)
    {
      fs::create_directories(root / cleanRelativePath(line.substr(2)), error);
    }
    else if (line.rfind("l ", 0) == 0)
    {
      const std::size_t space = line.find(' ', 2);
      if (space == std::string::npos)
      {
        continue;
      }
      const fs::path link = root / cleanRelativePath(line.substr(2, space - 2));
      const std::string target = line.substr(space + 1);
      if (link != root && staysInside(root, link.parent_path(), target))
      {
        fs::create_directories(link.parent_path(), error);
        fs::create_symlink(target, link, error);
        links.push_back(link);
      }
    }
    else
    {
      const fs::path file = root / cleanRelativePath(line);
      if (file != root)
      {
        fs::create_directories(file.parent_path(), error);
        cnnslicer::fuzzing::writeFile(file, nullptr, 0);
      }
    }
  }
  removeEscapingLinks(root, links);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  using namespace cnnslicer;
  const fs::path root = fuzzing::freshFolder("image-folder");
  try
  {
    build(root, std::string(reinterpret_cast<const char*>(data), size));
  }
  catch (const std::exception&)
  {
    // A path the file system refuses (a file where a folder is needed): not the scanner's
    // business.
    return 0;
  }
  fuzzing::refuseOnlyWithDatasetError([&] { detectDatasetFormat(root.string()); });
  fuzzing::refuseOnlyWithDatasetError([&] { scanImageFolder(root.string()); });
  return 0;
}
