/**
 * @file BatchAugmentation.h
 * @brief Seeded shuffling and the data augmentation of training batches (LibTorch-free).
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace cnnslicer
{

/**
 * @brief The random source of the data pipeline: sample order and augmentation.
 *
 * std::mt19937_64's output sequence is fixed by the C++ standard, but the standard
 * distributions are not; below() therefore reduces the raw 64-bit words itself, so that a
 * seed gives the same epochs with any standard library.
 */
class TrainingRandom
{
public:
  explicit TrainingRandom(std::uint64_t seed)
    : Engine(seed)
  {
  }

  /// Uniform integer in [0, bound) (bound > 0), by rejection of the biased top range.
  std::uint64_t below(std::uint64_t bound);

private:
  std::mt19937_64 Engine;
};

/// Fisher–Yates shuffle of @p values with @p random (Knuth, TAOCP vol. 2, Algorithm P).
void shuffleIndices(std::vector<std::size_t>& values, TrainingRandom& random);

/// What is done to each training image before it enters the model.
enum class AugmentationKind
{
  None = 0,
  /// Horizontal flip with probability 1/2.
  Flip = 1,
  /// Random crop of the image padded by AugmentationSettings::Padding on every side (pad =
  /// black), then horizontal flip with probability 1/2: torchvision's RandomCrop(size,
  /// padding) + RandomHorizontalFlip, the standard CIFAR-10 augmentation of He et al.
  /// (ResNet, CVPR 2016).
  CropFlip = 2
};

/// "none", "flip", "crop-flip".
const char* augmentationName(AugmentationKind kind);

/// The kind named @p name (as augmentationName() spells it); false when unknown.
bool parseAugmentation(const std::string& name, AugmentationKind& kind);

/// Augmentation of one batch of preprocessed images.
struct AugmentationSettings
{
  AugmentationKind Kind = AugmentationKind::None;
  std::size_t Padding = 4;
  /// Value of a padded pixel in each (model-order) channel: a black pixel after
  /// normalization, (0 - mean[c]) / std[c]; one value for every channel when size 1.
  std::vector<float> PadValues{ 0.0f };
};

/**
 * Augments @p count preprocessed images in place (float32, contiguous count x C x H x W).
 * Draws, per image in order: the crop offsets (row, then column, each in [0, 2 * padding])
 * for CropFlip, then the flip. Nothing is drawn for AugmentationKind::None.
 */
void augmentBatch(float* images,
                  std::size_t count,
                  std::size_t channels,
                  std::size_t height,
                  std::size_t width,
                  const AugmentationSettings& settings,
                  TrainingRandom& random);

} // namespace cnnslicer
