/**
 * @file ImageFolderScanner.h
 * @brief Lists a folder of images in torchvision's ImageFolder convention.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace cnnslicer
{

/// One image file and the index of its class.
struct ImageFolderEntry
{
  std::string Path;
  std::int64_t Label = 0;
};

/**
 * @brief The images of `root/<class>/.../<image>` with labels assigned as torchvision's
 * ImageFolder does, so that a model trained with ImageFolder sees the same labels.
 *
 * Class names are the immediate subdirectories of the root, sorted by name (byte order),
 * label = position in that list. Each class folder is walked recursively; files are
 * ordered by (directory path, file name) and kept when their extension matches
 * (case-insensitive). Decoding happens in the VTK layer, which reads the images with
 * VTK's PNG and JPEG readers.
 */
struct ImageFolderScan
{
  std::string Root;
  std::vector<std::string> ClassNames;
  std::vector<ImageFolderEntry> Images;
  /// Regular files skipped because of their extension.
  std::size_t IgnoredFiles = 0;

  std::vector<std::int64_t> labels() const;
};

/// Extensions ImageFolder scanning keeps by default: those VTK's readers decode.
const std::vector<std::string>& defaultImageExtensions();

/**
 * Scans @p root. Throws DatasetError when the root is missing or not a folder, has no
 * class subfolder, or a class folder holds no image (as torchvision does, since an empty
 * class usually means a wrong root).
 */
ImageFolderScan scanImageFolder(
  const std::string& root,
  const std::vector<std::string>& extensions = defaultImageExtensions());

} // namespace cnnslicer
