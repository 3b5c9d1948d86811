#include "BatchAugmentation.h"

#include <algorithm>
#include <limits>
#include <utility>

namespace cnnslicer
{

std::uint64_t TrainingRandom::below(std::uint64_t bound)
{
  // Accept only words below the largest multiple of bound, so every residue is equally
  // likely (the rejected top range has fewer than bound values).
  const std::uint64_t limit =
    std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % bound;
  std::uint64_t word = this->Engine();
  while (word >= limit)
  {
    word = this->Engine();
  }
  return word % bound;
}

void shuffleIndices(std::vector<std::size_t>& values, TrainingRandom& random)
{
  for (std::size_t i = values.size(); i > 1; --i)
  {
    std::swap(values[i - 1], values[random.below(i)]);
  }
}

const char* augmentationName(AugmentationKind kind)
{
  switch (kind)
  {
    case AugmentationKind::Flip:
      return "flip";
    case AugmentationKind::CropFlip:
      return "crop-flip";
    case AugmentationKind::None:
      break;
  }
  return "none";
}

bool parseAugmentation(const std::string& name, AugmentationKind& kind)
{
  for (const auto candidate :
       { AugmentationKind::None, AugmentationKind::Flip, AugmentationKind::CropFlip })
  {
    if (name == augmentationName(candidate))
    {
      kind = candidate;
      return true;
    }
  }
  return false;
}

void augmentBatch(float* images,
                  std::size_t count,
                  std::size_t channels,
                  std::size_t height,
                  std::size_t width,
                  const AugmentationSettings& settings,
                  TrainingRandom& random)
{
  if (settings.Kind == AugmentationKind::None)
  {
    return;
  }
  const std::size_t plane = height * width;
  const std::size_t padding = settings.Kind == AugmentationKind::CropFlip ? settings.Padding : 0;
  std::vector<float> source(channels * plane);
  for (std::size_t n = 0; n < count; ++n)
  {
    float* image = images + n * channels * plane;
    // Offsets of the crop window in the padded image; padding means "unshifted".
    std::size_t rowOffset = padding;
    std::size_t columnOffset = padding;
    if (settings.Kind == AugmentationKind::CropFlip)
    {
      rowOffset = random.below(2 * padding + 1);
      columnOffset = random.below(2 * padding + 1);
    }
    const bool flip = random.below(2) == 1;
    if (rowOffset == padding && columnOffset == padding && !flip)
    {
      continue;
    }
    std::copy(image, image + channels * plane, source.begin());
    for (std::size_t c = 0; c < channels; ++c)
    {
      const float pad = settings.PadValues[settings.PadValues.size() == 1 ? 0 : c];
      const float* sourcePlane = source.data() + c * plane;
      float* targetPlane = image + c * plane;
      for (std::size_t y = 0; y < height; ++y)
      {
        // Row y of the crop is row y + rowOffset - padding of the original image.
        const std::ptrdiff_t sourceRow =
          static_cast<std::ptrdiff_t>(y + rowOffset) - static_cast<std::ptrdiff_t>(padding);
        for (std::size_t x = 0; x < width; ++x)
        {
          // The flip mirrors the cropped image, as RandomHorizontalFlip after RandomCrop.
          const std::size_t cropColumn = flip ? width - 1 - x : x;
          const std::ptrdiff_t sourceColumn =
            static_cast<std::ptrdiff_t>(cropColumn + columnOffset) -
            static_cast<std::ptrdiff_t>(padding);
          const bool inside = sourceRow >= 0 && sourceRow < static_cast<std::ptrdiff_t>(height) &&
                              sourceColumn >= 0 &&
                              sourceColumn < static_cast<std::ptrdiff_t>(width);
          targetPlane[y * width + x] = inside
                                         ? sourcePlane[static_cast<std::size_t>(sourceRow) * width +
                                                       static_cast<std::size_t>(sourceColumn)]
                                         : pad;
        }
      }
    }
  }
}

} // namespace cnnslicer
