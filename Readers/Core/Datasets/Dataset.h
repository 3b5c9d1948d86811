/**
 * @file Dataset.h
 * @brief A dataset in memory: images as N x C x H x W, labels, class names.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace cnnslicer
{

/// Largest payload (bytes) a loader accepts unless told otherwise: a header that claims
/// more is refused before anything is allocated.
inline constexpr std::uint64_t DefaultMaximumDatasetBytes = std::uint64_t(8) << 30;

/// Element type of the stored images.
enum class PixelType
{
  /// 0..255, scaled to [0, 1] by preprocessing.
  UInt8 = 0,
  /// Taken as is by preprocessing.
  Float32 = 1
};

/**
 * @brief Images and labels as loaded from disk, before preprocessing.
 *
 * Pixels are contiguous N x C x H x W (sample, channel, row, column; row 0 is the top of
 * the image) in UInt8Pixels or Float32Pixels, whichever Type says; the other vector is
 * empty. Labels are empty for an unlabelled dataset, else one per sample; a negative label
 * means "unlabelled sample". ClassNames come from the dataset itself when it has them
 * (CIFAR-10's batches.meta.txt) and are empty otherwise (IDX, NumPy): the model's
 * metadata then names the classes.
 */
struct Dataset
{
  PixelType Type = PixelType::UInt8;
  std::size_t NumberOfSamples = 0;
  std::size_t Channels = 0;
  std::size_t Height = 0;
  std::size_t Width = 0;
  std::vector<std::uint8_t> UInt8Pixels;
  std::vector<float> Float32Pixels;
  std::vector<std::int64_t> Labels;
  std::vector<std::string> ClassNames;
  /// What was read, for messages and the reader's information properties
  /// (e.g. "IDX /data/t10k-images-idx3-ubyte.gz + /data/t10k-labels-idx1-ubyte.gz").
  std::string Source;

  std::size_t valuesPerSample() const { return Channels * Height * Width; }
  std::size_t numberOfValues() const { return NumberOfSamples * valuesPerSample(); }
  bool hasLabels() const { return !Labels.empty(); }
  /// {C, H, W}, the shape of one model input.
  std::vector<std::int64_t> sampleShape() const;
  /// "N x C x H x W" with the numbers, for messages.
  std::string shapeString() const;
  /// Number of classes: the larger of the class-name count and the largest label + 1.
  std::size_t numberOfClasses() const;
  /// Throws DatasetError when the vectors do not match the shape (a loader bug or a
  /// hand-built Dataset that is inconsistent).
  void validate() const;
  /// The samples at @p indices, in that order (labels and class names carried along).
  Dataset subset(const std::vector<std::size_t>& indices) const;
};

/// "C x H x W" of a model input shape, for messages.
std::string shapeToString(const std::vector<std::int64_t>& shape);

} // namespace cnnslicer
