#include "Cifar10Loader.h"

#include "DatasetError.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>

namespace cnnslicer
{

namespace
{

namespace fs = std::filesystem;

constexpr std::size_t PixelBytesPerRecord = Cifar10RecordBytes - 1;
constexpr std::size_t RecordsPerRead = 1024;
const char* const BatchesFolderName = "cifar-10-batches-bin";

/// k of "data_batch_<k>.bin", or 0 when @p name is not a training batch.
unsigned trainingBatchNumber(const std::string& name)
{
  const std::string head = "data_batch_";
  const std::string tail = ".bin";
  if (name.size() <= head.size() + tail.size() || name.compare(0, head.size(), head) != 0 ||
      name.compare(name.size() - tail.size(), tail.size(), tail) != 0)
  {
    return 0;
  }
  const std::string digits = name.substr(head.size(), name.size() - head.size() - tail.size());
  if (digits.size() > 6 || !std::all_of(digits.begin(),
                                        digits.end(),
                                        [](unsigned char c) { return std::isdigit(c) != 0; }))
  {
    return 0;
  }
  return static_cast<unsigned>(std::stoul(digits));
}

std::vector<std::string> readClassNames(const fs::path& metaFile)
{
  std::ifstream stream(metaFile);
  if (!stream)
  {
    throw DatasetError(
      metaFile.string(), "cannot open the class names file", "check its permissions");
  }
  std::vector<std::string> names;
  std::string line;
  while (std::getline(stream, line))
  {
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos)
    {
      continue;
    }
    const auto last = line.find_last_not_of(" \t\r");
    names.push_back(line.substr(first, last - first + 1));
  }
  if (names.empty())
  {
    throw DatasetError(
      metaFile.string(), "holds no class names", "write one class name per line, in label order");
  }
  return names;
}

} // namespace

const std::vector<std::string>& cifar10ClassNames()
{
  static const std::vector<std::string> names = {
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"
  };
  return names;
}

std::vector<std::string> findCifar10Batches(const std::string& path, Cifar10Split split)
{
  std::error_code error;
  const fs::file_status status = fs::status(path, error);
  if (!fs::exists(status))
  {
    throw DatasetError(path, "file or folder not found", "check the dataset path");
  }
  if (!fs::is_directory(status))
  {
    return { path };
  }
  fs::path folder = path;
  if (fs::is_directory(folder / BatchesFolderName, error))
  {
    folder /= BatchesFolderName;
  }

  if (split == Cifar10Split::Test)
  {
    const fs::path testBatch = folder / "test_batch.bin";
    if (!fs::is_regular_file(testBatch, error))
    {
      throw DatasetError(testBatch.string(),
                         "missing file: no CIFAR-10 test batch here",
                         "give the cifar-10-batches-bin folder, or choose the train split");
    }
    return { testBatch.string() };
  }

  std::vector<unsigned> numbers;
  for (const fs::directory_entry& entry : fs::directory_iterator(folder, error))
  {
    const unsigned number = trainingBatchNumber(entry.path().filename().string());
    if (number > 0 && entry.is_regular_file(error))
    {
      numbers.push_back(number);
    }
  }
  std::sort(numbers.begin(), numbers.end());
  if (numbers.empty())
  {
    throw DatasetError((folder / "data_batch_1.bin").string(),
                       "missing file: no CIFAR-10 training batch (data_batch_<k>.bin) here",
                       "give the cifar-10-batches-bin folder, or choose the test split");
  }
  std::vector<std::string> batches;
  for (std::size_t i = 0; i < numbers.size(); ++i)
  {
    if (numbers[i] != i + 1)
    {
      const fs::path missing = folder / ("data_batch_" + std::to_string(i + 1) + ".bin");
      throw DatasetError(missing.string(),
                         "missing file: training batch " + std::to_string(i + 1) +
                           " is absent while data_batch_" + std::to_string(numbers[i]) +
                           ".bin exists",
                         "restore the missing batch or load the batches one by one");
    }
    batches.push_back((folder / ("data_batch_" + std::to_string(numbers[i]) + ".bin")).string());
  }
  return batches;
}

Dataset loadCifar10(const std::string& path, Cifar10Split split, std::uint64_t maximumBytes)
{
  const std::vector<std::string> batches = findCifar10Batches(path, split);

  std::vector<std::uint64_t> recordsPerFile;
  std::uint64_t totalRecords = 0;
  for (const std::string& batch : batches)
  {
    std::error_code error;
    if (fs::is_directory(batch, error))
    {
      throw DatasetError(batch,
                         "is a folder where a CIFAR-10 batch file was expected",
                         "give a .bin batch or the cifar-10-batches-bin folder");
    }
    const std::uint64_t size = fs::file_size(batch, error);
    if (error)
    {
      throw DatasetError(batch,
                         "cannot read the file size (" + error.message() + ")",
                         "check that it is a regular file");
    }
    if (size == 0 || size % Cifar10RecordBytes != 0)
    {
      throw DatasetError(
        batch,
        "CIFAR-10 file size " + std::to_string(size) +
          " bytes is not a multiple of the 3073-byte record (label byte + 3 x "
          "32 x 32 pixel bytes)" +
          (size == 0 ? "" : ", " + std::to_string(size % Cifar10RecordBytes) + " bytes left over"),
        "the file is truncated or not a CIFAR-10 binary batch (CIFAR-100 "
        "records have 3074 bytes); download it again");
    }
    recordsPerFile.push_back(size / Cifar10RecordBytes);
    totalRecords += size / Cifar10RecordBytes;
  }
  if (totalRecords * PixelBytesPerRecord > maximumBytes)
  {
    throw DatasetError(path,
                       "CIFAR-10 images are " + std::to_string(totalRecords * PixelBytesPerRecord) +
                         " bytes, more than the limit of " + std::to_string(maximumBytes),
                       "raise the maximum dataset size or load fewer batches");
  }

  Dataset dataset;
  const fs::path metaFile = fs::path(batches.front()).parent_path() / "batches.meta.txt";
  std::error_code error;
  dataset.ClassNames =
    fs::is_regular_file(metaFile, error) ? readClassNames(metaFile) : cifar10ClassNames();
  dataset.Type = PixelType::UInt8;
  dataset.NumberOfSamples = static_cast<std::size_t>(totalRecords);
  dataset.Channels = 3;
  dataset.Height = 32;
  dataset.Width = 32;
  dataset.UInt8Pixels.resize(dataset.numberOfValues());
  dataset.Labels.resize(dataset.NumberOfSamples);
  dataset.Source = "CIFAR-10";

  std::vector<unsigned char> records(RecordsPerRead * Cifar10RecordBytes);
  std::size_t sample = 0;
  for (std::size_t b = 0; b < batches.size(); ++b)
  {
    const std::string& batch = batches[b];
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(batch.c_str(), "rb"),
                                                         &std::fclose);
    if (!file)
    {
      throw DatasetError(batch,
                         std::string("cannot open the file (") + std::strerror(errno) + ")",
                         "check its permissions");
    }
    std::uint64_t remaining = recordsPerFile[b];
    std::uint64_t recordIndex = 0;
    while (remaining > 0)
    {
      const std::size_t count =
        static_cast<std::size_t>(std::min<std::uint64_t>(remaining, RecordsPerRead));
      if (std::fread(records.data(), Cifar10RecordBytes, count, file.get()) != count)
      {
        throw DatasetError(batch,
                           "the file became shorter while it was read",
                           "do not modify the dataset while it loads");
      }
      for (std::size_t r = 0; r < count; ++r, ++sample, ++recordIndex)
      {
        const unsigned char* record = records.data() + r * Cifar10RecordBytes;
        if (record[0] >= dataset.ClassNames.size())
        {
          throw DatasetError(batch,
                             "record " + std::to_string(recordIndex) + " has label " +
                               std::to_string(record[0]) + " but there are only " +
                               std::to_string(dataset.ClassNames.size()) + " classes",
                             "the file is not a CIFAR-10 batch, or batches.meta.txt lacks "
                             "class names");
        }
        dataset.Labels[sample] = record[0];
        std::memcpy(dataset.UInt8Pixels.data() + sample * PixelBytesPerRecord,
                    record + 1,
                    PixelBytesPerRecord);
      }
      remaining -= count;
    }
    dataset.Source += (b == 0 ? " " : " + ") + batch;
  }
  return dataset;
}

} // namespace cnnslicer
