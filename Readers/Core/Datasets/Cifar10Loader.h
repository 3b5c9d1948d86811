/**
 * @file Cifar10Loader.h
 * @brief CIFAR-10 "binary version" batches: records of a label byte + 1024 R, G, B bytes.
 */
#pragma once

#include "Dataset.h"

#include <cstdint>
#include <string>
#include <vector>

namespace cnnslicer
{

/// Bytes of one CIFAR-10 record: the label byte and 3 x 32 x 32 pixel bytes.
inline constexpr std::size_t Cifar10RecordBytes = 3073;

/// Which batches a CIFAR-10 folder stands for.
enum class Cifar10Split
{
  /// test_batch.bin (10,000 images).
  Test = 0,
  /// data_batch_1.bin, data_batch_2.bin, ... (50,000 images in the full dataset).
  Train = 1
};

/// The ten class names of CIFAR-10 in label order (airplane ... truck).
const std::vector<std::string>& cifar10ClassNames();

/**
 * Batch files of @p split under @p path: a folder `cifar-10-batches-bin` (or any folder
 * holding the batches), or a folder that contains `cifar-10-batches-bin`. Train is every
 * `data_batch_<k>.bin` for k = 1, 2, ... in order; a gap (data_batch_3.bin missing while
 * data_batch_4.bin exists) is an error, as is a split with no file.
 */
std::vector<std::string> findCifar10Batches(const std::string& path, Cifar10Split split);

/**
 * Loads CIFAR-10 batches into N x 3 x 32 x 32 uint8 images and labels. @p path is one
 * `.bin` batch file or a folder (see findCifar10Batches()). Class names are read from
 * `batches.meta.txt` beside the batches (one name per line), else the standard ten.
 * Every file's size is checked to be a non-zero multiple of 3073 bytes before the images
 * are allocated, and every label to name a class while they are read.
 */
Dataset loadCifar10(const std::string& path,
                    Cifar10Split split = Cifar10Split::Test,
                    std::uint64_t maximumBytes = DefaultMaximumDatasetBytes);

} // namespace cnnslicer
