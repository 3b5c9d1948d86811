#include "ImageFolderScanner.h"

#include "DatasetError.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <utility>

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
    fs::recursive_directory_iterator walk(
      classFolder, fs::directory_options::follow_directory_symlink, error);
    for (; !error && walk != fs::recursive_directory_iterator(); walk.increment(error))
    {
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
