#include "ImageFolderScanner.h"

#include "DatasetError.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>
#include <utility>

#include <sys/stat.h>

namespace cnnslicer
{

namespace
{

namespace fs = std::filesystem;

std::string lowercase(std::string text)
{
  std::transform(text.begin(),
                 text.end(),
                 text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

bool hasExtension(const std::string& lowercaseName, const std::vector<std::string>& extensions)
{
  return std::any_of(extensions.begin(),
                     extensions.end(),
                     [&](const std::string& extension)
                     {
                       return lowercaseName.size() >= extension.size() &&
                              lowercaseName.compare(lowercaseName.size() - extension.size(),
                                                    extension.size(),
                                                    extension) == 0;
                     });
}

/// A folder's device and inode: equal for every path (through links) to the same folder.
using FolderIdentity = std::pair<std::uint64_t, std::uint64_t>;

bool folderIdentity(const fs::path& folder, FolderIdentity& identity)
{
  struct stat status;
  if (::stat(folder.c_str(), &status) != 0)
  {
    return false;
  }
  identity = { static_cast<std::uint64_t>(status.st_dev),
               static_cast<std::uint64_t>(status.st_ino) };
  return true;
}

std::string extensionList(const std::vector<std::string>& extensions)
{
  std::string text;
  for (const std::string& extension : extensions)
  {
    text += (text.empty() ? "" : ", ") + extension;
  }
  return text;
}

} // namespace

std::vector<std::int64_t> ImageFolderScan::labels() const
{
  std::vector<std::int64_t> result;
  result.reserve(Images.size());
  for (const ImageFolderEntry& image : Images)
  {
    result.push_back(image.Label);
  }
  return result;
}

const std::vector<std::string>& defaultImageExtensions()
{
  static const std::vector<std::string> extensions = { ".png", ".jpg", ".jpeg" };
  return extensions;
}

ImageFolderScan scanImageFolder(const std::string& root, const std::vector<std::string>& extensions)
{
  std::error_code error;
  const fs::file_status status = fs::status(root, error);
  if (!fs::exists(status))
  {
    throw DatasetError(root, "folder not found", "check the dataset path");
  }
  if (!fs::is_directory(status))
  {
    throw DatasetError(root,
                       "is not a folder",
                       "give the folder whose subfolders are the classes (root/<class>/<image>)");
  }
  std::vector<std::string> lowercaseExtensions;
  for (const std::string& extension : extensions)
  {
    lowercaseExtensions.push_back(lowercase(extension));
  }

  ImageFolderScan scan;
  scan.Root = root;
  // Every subfolder is a class, hidden ones included, exactly as torchvision's
  // find_classes() does: labels must match those the model was trained with.
  for (const fs::directory_entry& entry : fs::directory_iterator(root, error))
  {
    if (entry.is_directory(error))
    {
      scan.ClassNames.push_back(entry.path().filename().string());
    }
    else if (entry.is_regular_file(error))
    {
      ++scan.IgnoredFiles;
    }
  }
  if (error)
  {
    throw DatasetError(
      root, "cannot list the folder (" + error.message() + ")", "check its permissions");
  }
  if (scan.ClassNames.empty())
  {
    throw DatasetError(root,
                       "holds no class folders (expected root/<class>/<image>.png)",
                       "give the folder whose subfolders are the classes");
  }
  std::sort(scan.ClassNames.begin(), scan.ClassNames.end());

  for (std::size_t label = 0; label < scan.ClassNames.size(); ++label)
  {
    const fs::path classFolder = fs::path(root) / scan.ClassNames[label];
    // (folder, file name) pairs sort as torchvision's sorted(os.walk(...)) + sorted(fnames).
    std::vector<std::pair<std::string, std::string>> files;
    // Links to folders are followed, as torchvision does; every real folder is walked
    // once, so that links to one folder cannot multiply the walk (two links per level make
    // it exponential), and a link back to a folder that contains it is refused.
    std::set<FolderIdentity> visited;
    std::vector<std::pair<FolderIdentity, fs::path>> ancestors;
    FolderIdentity classIdentity;
    if (folderIdentity(classFolder, classIdentity))
    {
      visited.insert(classIdentity);
      ancestors.emplace_back(classIdentity, classFolder);
    }
    fs::recursive_directory_iterator walk(
      classFolder, fs::directory_options::follow_directory_symlink, error);
    for (; !error && walk != fs::recursive_directory_iterator(); walk.increment(error))
    {
      if (walk->is_directory(error))
      {
        FolderIdentity identity;
        if (!folderIdentity(walk->path(), identity))
        {
          walk.disable_recursion_pending();
          continue;
        }
        // The folders that contain this entry: the class folder and depth() more.
        ancestors.resize(std::min(ancestors.size(), static_cast<std::size_t>(walk.depth()) + 1));
        for (const auto& [ancestor, ancestorPath] : ancestors)
        {
          if (ancestor == identity)
          {
            throw DatasetError(walk->path().string(),
                               "is a link back to the folder " + ancestorPath.string() +
                                 " that contains it (a cycle)",
                               "remove the link, or point it at a folder outside the dataset");
          }
        }
        if (!visited.insert(identity).second)
        {
          walk.disable_recursion_pending();
          continue;
        }
        ancestors.emplace_back(identity, walk->path());
        continue;
      }
      if (!walk->is_regular_file(error))
      {
        continue;
      }
      const std::string name = walk->path().filename().string();
      if (hasExtension(lowercase(name), lowercaseExtensions))
      {
        files.emplace_back(walk->path().parent_path().string(), name);
      }
      else
      {
        ++scan.IgnoredFiles;
      }
    }
    if (error)
    {
      throw DatasetError(classFolder.string(),
                         "cannot list the folder (" + error.message() + ")",
                         "check its permissions");
    }
    if (files.empty())
    {
      throw DatasetError(classFolder.string(),
                         "class folder '" + scan.ClassNames[label] + "' holds no image (" +
                           extensionList(extensions) + ")",
                         "add its images or remove the folder (labels follow the sorted class "
                         "folder names, as in torchvision's ImageFolder)");
    }
    std::sort(files.begin(), files.end());
    for (const auto& [folder, name] : files)
    {
      scan.Images.push_back(
        { (fs::path(folder) / name).string(), static_cast<std::int64_t>(label) });
    }
  }
  return scan;
}

} // namespace cnnslicer
