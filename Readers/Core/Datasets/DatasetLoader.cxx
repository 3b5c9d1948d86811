#include "DatasetLoader.h"

#include "Cifar10Loader.h"
#include "DatasetError.h"
#include "IdxLoader.h"
#include "PlainOrGzipFile.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>

namespace cnnslicer
{

namespace
{

namespace fs = std::filesystem;

std::string lowercaseExtension(const fs::path& path)
{
  std::string extension = path.extension().string();
  std::transform(extension.begin(),
                 extension.end(),
                 extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return extension;
}

bool isIdxImagesName(const std::string& name)
{
  return name.find("-images-idx3-ubyte") != std::string::npos ||
         name.find("-images.idx3-ubyte") != std::string::npos;
}

/// Labels file beside an IDX images file named by the standard convention, else "".
std::string labelsBesideIdxImages(const fs::path& images)
{
  const std::string name = images.filename().string();
  for (const char* marker : { "-images-idx3-ubyte", "-images.idx3-ubyte" })
  {
    const std::size_t at = name.find(marker);
    if (at != std::string::npos && at > 0)
    {
      const IdxFilePair pair = findIdxFiles(images.parent_path().string(), name.substr(0, at));
      return pair.Labels;
    }
  }
  return "";
}

Cifar10Split cifarSplit(const std::string& split, const std::string& path)
{
  if (split.empty() || split == "test")
  {
    return Cifar10Split::Test;
  }
  if (split == "train")
  {
    return Cifar10Split::Train;
  }
  throw DatasetError(path, "unknown CIFAR-10 split '" + split + "'", "choose train or test");
}

} // namespace

const char* datasetFormatName(DatasetFormat format)
{
  switch (format)
  {
    case DatasetFormat::Idx:
      return "IDX";
    case DatasetFormat::Cifar10:
      return "CIFAR-10";
    case DatasetFormat::Numpy:
      return "NumPy";
    case DatasetFormat::ImageFolder:
      return "image folder";
  }
  return "unknown";
}

DatasetFormat detectDatasetFormat(const std::string& path)
{
  std::error_code error;
  const fs::file_status status = fs::status(path, error);
  if (!fs::exists(status))
  {
    throw DatasetError(path, "file or folder not found", "check the dataset path");
  }

  if (!fs::is_directory(status))
  {
    const std::string extension = lowercaseExtension(path);
    if (extension == ".npy")
    {
      return DatasetFormat::Numpy;
    }
    if (extension == ".bin")
    {
      return DatasetFormat::Cifar10;
    }
    PlainOrGzipFile file(path);
    unsigned char magic[6] = {};
    const std::size_t got = file.read(magic, sizeof(magic));
    if (got == sizeof(magic) && std::memcmp(magic, "\x93NUMPY", 6) == 0)
    {
      return DatasetFormat::Numpy;
    }
    if (got >= 4 && magic[0] == 0 && magic[1] == 0 && magic[2] >= 0x08 && magic[2] <= 0x0E)
    {
      return DatasetFormat::Idx;
    }
    throw DatasetError(path,
                       "not a dataset file this reader knows",
                       "give an IDX file (plain or .gz), a .npy array, a CIFAR-10 .bin batch, or "
                       "a folder");
  }

  const fs::path folder = path;
  if (fs::is_directory(folder / "cifar-10-batches-bin", error) ||
      fs::is_regular_file(folder / "test_batch.bin", error) ||
      fs::is_regular_file(folder / "data_batch_1.bin", error))
  {
    return DatasetFormat::Cifar10;
  }
  bool hasSubfolder = false;
  for (const fs::directory_entry& entry : fs::directory_iterator(folder, error))
  {
    if (entry.is_regular_file(error) && isIdxImagesName(entry.path().filename().string()))
    {
      return DatasetFormat::Idx;
    }
    hasSubfolder = hasSubfolder || entry.is_directory(error);
  }
  if (hasSubfolder)
  {
    return DatasetFormat::ImageFolder;
  }
  throw DatasetError(path,
                     "holds no dataset (no CIFAR-10 batches, no *-images-idx3-ubyte file, no "
                     "class subfolders)",
                     "give the folder of the dataset files, or a dataset file");
}

Dataset loadDataset(const DatasetRequest& request)
{
  const std::string& path = request.Path;
  switch (detectDatasetFormat(path))
  {
    case DatasetFormat::Idx:
    {
      std::error_code error;
      if (fs::is_directory(path, error))
      {
        IdxFilePair files = findIdxFiles(path, request.Split);
        if (!request.LabelsPath.empty())
        {
          files.Labels = request.LabelsPath;
        }
        return loadIdxDataset(files.Images, files.Labels, request.MaximumBytes);
      }
      const std::string labels =
        request.LabelsPath.empty() ? labelsBesideIdxImages(path) : request.LabelsPath;
      return loadIdxDataset(path, labels, request.MaximumBytes);
    }
    case DatasetFormat::Cifar10:
      return loadCifar10(path, cifarSplit(request.Split, path), request.MaximumBytes);
    case DatasetFormat::Numpy:
      return loadNumpyDataset(path, request.LabelsPath, request.Layout, request.MaximumBytes);
    case DatasetFormat::ImageFolder:
      break;
  }
  throw DatasetError(path,
                     "is an image folder, whose images the VTK reader decodes",
                     "scan it with scanImageFolder() and decode the listed files");
}

} // namespace cnnslicer
