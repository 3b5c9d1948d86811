#include "Dataset.h"

#include "DatasetError.h"

#include <algorithm>
#include <cstring>

namespace cnnslicer
{

std::vector<std::int64_t> Dataset::sampleShape() const
{
  return { static_cast<std::int64_t>(Channels),
           static_cast<std::int64_t>(Height),
           static_cast<std::int64_t>(Width) };
}

std::string Dataset::shapeString() const
{
  return std::to_string(NumberOfSamples) + " x " + shapeToString(sampleShape());
}

std::size_t Dataset::numberOfClasses() const
{
  std::int64_t largestLabel = -1;
  for (const std::int64_t label : Labels)
  {
    largestLabel = std::max(largestLabel, label);
  }
  return std::max(ClassNames.size(), static_cast<std::size_t>(largestLabel + 1));
}

void Dataset::validate() const
{
  const std::size_t expected = numberOfValues();
  const std::size_t stored = Type == PixelType::UInt8 ? UInt8Pixels.size() : Float32Pixels.size();
  if (stored != expected)
  {
    throw DatasetError(Source,
                       "holds " + std::to_string(stored) + " values for images of shape " +
                         shapeString() + " (" + std::to_string(expected) + " values)",
                       "the dataset was assembled inconsistently");
  }
  if (!Labels.empty() && Labels.size() != NumberOfSamples)
  {
    throw DatasetError(Source,
                       std::to_string(Labels.size()) + " labels for " +
                         std::to_string(NumberOfSamples) + " images",
                       "give one label per image");
  }
}

Dataset Dataset::subset(const std::vector<std::size_t>& indices) const
{
  Dataset result;
  result.Type = Type;
  result.NumberOfSamples = indices.size();
  result.Channels = Channels;
  result.Height = Height;
  result.Width = Width;
  result.ClassNames = ClassNames;
  result.Source = Source;
  const std::size_t sampleValues = valuesPerSample();
  for (const std::size_t index : indices)
  {
    if (index >= NumberOfSamples)
    {
      throw DatasetError(Source,
                         "sample index " + std::to_string(index) + " is out of range (" +
                           std::to_string(NumberOfSamples) + " samples)",
                         "select indices below the sample count");
    }
  }
  if (Type == PixelType::UInt8)
  {
    result.UInt8Pixels.resize(indices.size() * sampleValues);
    for (std::size_t i = 0; i < indices.size(); ++i)
    {
      std::memcpy(result.UInt8Pixels.data() + i * sampleValues,
                  UInt8Pixels.data() + indices[i] * sampleValues,
                  sampleValues);
    }
  }
  else
  {
    result.Float32Pixels.resize(indices.size() * sampleValues);
    for (std::size_t i = 0; i < indices.size(); ++i)
    {
      std::memcpy(result.Float32Pixels.data() + i * sampleValues,
                  Float32Pixels.data() + indices[i] * sampleValues,
                  sampleValues * sizeof(float));
    }
  }
  if (!Labels.empty())
  {
    result.Labels.reserve(indices.size());
    for (const std::size_t index : indices)
    {
      result.Labels.push_back(Labels[index]);
    }
  }
  return result;
}

std::string shapeToString(const std::vector<std::int64_t>& shape)
{
  std::string text;
  for (std::size_t i = 0; i < shape.size(); ++i)
  {
    text += (i == 0 ? "" : " x ") + std::to_string(shape[i]);
  }
  return text.empty() ? "(scalar)" : text;
}

} // namespace cnnslicer
