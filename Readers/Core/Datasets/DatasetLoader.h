/**
 * @file DatasetLoader.h
 * @brief One entry point for the reader's "dataset path" property: format detection and
 * loading.
 */
#pragma once

#include "Dataset.h"
#include "NumpyLoader.h"

#include <cstdint>
#include <string>

namespace cnnslicer
{

/// The dataset formats the reader understands.
enum class DatasetFormat
{
  Idx = 0,
  Cifar10 = 1,
  Numpy = 2,
  ImageFolder = 3
};

const char* datasetFormatName(DatasetFormat format);

/**
 * Format of @p path. Files: `.npy` is NumPy, `.bin` CIFAR-10, else the content decides
 * (NumPy magic, or an IDX magic, plain or gzip). Folders: CIFAR-10 batches (or a
 * `cifar-10-batches-bin` inside), IDX files by their standard names, else class
 * subfolders (ImageFolder). Throws DatasetError when nothing fits.
 */
DatasetFormat detectDatasetFormat(const std::string& path);

/// What the reader's dataset properties ask for.
struct DatasetRequest
{
  /// File or folder.
  std::string Path;
  /// IDX or NumPy labels file, when not found by naming (IDX) or "" for none (NumPy).
  std::string LabelsPath;
  /// "train" or "test" ("" = test for CIFAR-10, the only or test prefix for IDX), or an
  /// IDX file prefix such as "mnist10k".
  std::string Split;
  NumpyImageLayout Layout = NumpyImageLayout::Infer;
  std::uint64_t MaximumBytes = DefaultMaximumDatasetBytes;
};

/**
 * Loads an IDX, CIFAR-10 or NumPy dataset. An image folder is not decoded here (the VTK
 * layer decodes it after scanImageFolder()): asking for one throws DatasetError.
 */
Dataset loadDataset(const DatasetRequest& request);

} // namespace cnnslicer
