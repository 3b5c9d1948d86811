/**
 * @file NumpyLoader.h
 * @brief NumPy `.npy` arrays (format versions 1, 2 and 3) of images and labels.
 */
#pragma once

#include "Dataset.h"

#include <cstdint>
#include <string>
#include <vector>

namespace cnnslicer
{

/**
 * @brief The parsed header of a `.npy` file.
 *
 * Descr is NumPy's dtype string ('<f4', '|u1', ...): byte order ('<' little, '>' big,
 * '|' not applicable, '=' native), kind ('f' float, 'u' unsigned, 'i' signed) and item
 * size in bytes.
 */
struct NpyHeader
{
  int MajorVersion = 1;
  int MinorVersion = 0;
  std::string Descr;
  char ByteOrder = '<';
  char Kind = 'f';
  std::size_t ItemSize = 4;
  std::vector<std::uint64_t> Shape;
  /// Offset of the first data byte from the start of the file.
  std::uint64_t DataOffset = 0;

  std::uint64_t numberOfElements() const;
};

/**
 * Reads and checks the header of @p path: magic, version, the dict ('descr',
 * 'fortran_order', 'shape'), that the data is in C order (fortran_order False), and that
 * the file holds exactly the data the header describes. Nothing is allocated from the
 * header's numbers.
 */
NpyHeader readNpyHeader(const std::string& path,
                        std::uint64_t maximumBytes = DefaultMaximumDatasetBytes);

/// How a 4-D image array is laid out.
enum class NumpyImageLayout
{
  /// NHWC when the last dimension is 1 or 3 and the second is not, else NCHW.
  Infer = 0,
  /// N x C x H x W (PyTorch).
  NCHW = 1,
  /// N x H x W x C (TensorFlow, PIL arrays stacked).
  NHWC = 2
};

/// The layout Infer picks for @p shape (NCHW unless the rule for NHWC holds).
NumpyImageLayout inferNumpyImageLayout(const std::vector<std::uint64_t>& shape);

/**
 * Loads images from @p imagesPath: uint8 ('|u1') kept as uint8, float32 ('<f4', '>f4')
 * and float64 (converted to float32) as float; shape N x H x W (C = 1) or 4-D in
 * @p layout, NHWC transposed to NCHW. Labels from @p labelsPath unless it is "": a 1-D
 * array of N integers (int64, int32, uint8, or any other integer type).
 */
Dataset loadNumpyDataset(const std::string& imagesPath,
                         const std::string& labelsPath = "",
                         NumpyImageLayout layout = NumpyImageLayout::Infer,
                         std::uint64_t maximumBytes = DefaultMaximumDatasetBytes);

/// Reads a 1-D integer `.npy` (labels) into int64 values.
std::vector<std::int64_t> loadNumpyLabels(const std::string& path,
                                          std::uint64_t maximumBytes = DefaultMaximumDatasetBytes);

} // namespace cnnslicer
