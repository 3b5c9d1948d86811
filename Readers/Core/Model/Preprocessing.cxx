#include "Preprocessing.h"

#include "DatasetError.h"

#include <array>
#include <cmath>
#include <numeric>

namespace cnnslicer
{

namespace
{

/// Mean and standard deviation of one output channel (0 and 1 without normalization).
struct ChannelNormalization
{
  float Mean = 0.0f;
  float Std = 1.0f;
  bool Active = false;
};

ChannelNormalization normalizationOf(const PreprocessingOptions& options, std::size_t channel)
{
  ChannelNormalization result;
  if (!options.Mean.empty())
  {
    result.Active = true;
    result.Mean = options.Mean[options.Mean.size() == 1 ? 0 : channel];
    result.Std = options.Std[options.Std.size() == 1 ? 0 : channel];
  }
  return result;
}

/// The same float32 operations, in the same order, as torchvision's ToTensor (x / 255)
/// and Normalize ((x - mean) / std), so that inputs match a PyTorch pipeline bit for bit.
float transform(float value, bool scale, const ChannelNormalization& normalization)
{
  if (scale)
  {
    value = value / 255.0f;
  }
  if (normalization.Active)
  {
    value = (value - normalization.Mean) / normalization.Std;
  }
  return value;
}

} // namespace

PreprocessingOptions resolvePreprocessing(const ModelMetadata& metadata,
                                          const PreprocessingOverrides& overrides)
{
  PreprocessingOptions options;
  options.Mean = overrides.Mean.value_or(metadata.Mean);
  options.Std = overrides.Std.value_or(metadata.Std);
  options.ReverseChannelOrder = overrides.ReverseChannelOrder.value_or(metadata.ExpectsBGR);
  options.ScaleUInt8 = overrides.ScaleUInt8.value_or(true);
  return options;
}

void validatePreprocessing(const PreprocessingOptions& options,
                           std::size_t channels,
                           const std::string& sourceName)
{
  if (options.Mean.empty() != options.Std.empty())
  {
    throw DatasetError(sourceName,
                       std::string("normalization has a ") +
                         (options.Mean.empty() ? "std" : "mean") + " but no " +
                         (options.Mean.empty() ? "mean" : "std"),
                       "give both mean and std, or neither");
  }
  const auto fits = [channels](std::size_t count) { return count <= 1 || count == channels; };
  if (!fits(options.Mean.size()) || !fits(options.Std.size()))
  {
    throw DatasetError(sourceName,
                       "normalization has " + std::to_string(options.Mean.size()) + " mean and " +
                         std::to_string(options.Std.size()) + " std values for " +
                         std::to_string(channels) + " image channels",
                       "give one value, or one per channel");
  }
  for (const float deviation : options.Std)
  {
    if (!(deviation > 0.0f) || !std::isfinite(deviation))
    {
      throw DatasetError(sourceName,
                         "normalization std " + std::to_string(deviation) + " is not positive",
                         "give positive standard deviations");
    }
  }
}

void preprocessSamples(const Dataset& dataset,
                       const std::size_t* indices,
                       std::size_t count,
                       const PreprocessingOptions& options,
                       float* output)
{
  validatePreprocessing(options, dataset.Channels, dataset.Source);
  const std::size_t channels = dataset.Channels;
  const std::size_t pixels = dataset.Height * dataset.Width;
  const std::size_t sampleValues = dataset.valuesPerSample();

  // uint8 data has 256 possible values per channel: a table gives the exact result of the
  // float pipeline at the cost of a lookup.
  std::vector<std::array<float, 256>> tables;
  std::vector<ChannelNormalization> normalization(channels);
  for (std::size_t c = 0; c < channels; ++c)
  {
    normalization[c] = normalizationOf(options, c);
    if (dataset.Type == PixelType::UInt8)
    {
      std::array<float, 256> table;
      for (int v = 0; v < 256; ++v)
      {
        table[v] = transform(static_cast<float>(v), options.ScaleUInt8, normalization[c]);
      }
      tables.push_back(table);
    }
  }

  for (std::size_t i = 0; i < count; ++i)
  {
    const std::size_t sample = indices[i];
    if (sample >= dataset.NumberOfSamples)
    {
      throw DatasetError(dataset.Source,
                         "sample index " + std::to_string(sample) + " is out of range (" +
                           std::to_string(dataset.NumberOfSamples) + " samples)",
                         "select indices below the sample count");
    }
    for (std::size_t c = 0; c < channels; ++c)
    {
      const std::size_t inputChannel = options.ReverseChannelOrder ? channels - 1 - c : c;
      float* destination = output + i * sampleValues + c * pixels;
      const std::size_t sourceOffset = sample * sampleValues + inputChannel * pixels;
      if (dataset.Type == PixelType::UInt8)
      {
        const std::uint8_t* source = dataset.UInt8Pixels.data() + sourceOffset;
        const std::array<float, 256>& table = tables[c];
        for (std::size_t p = 0; p < pixels; ++p)
        {
          destination[p] = table[source[p]];
        }
      }
      else
      {
        const float* source = dataset.Float32Pixels.data() + sourceOffset;
        for (std::size_t p = 0; p < pixels; ++p)
        {
          destination[p] = transform(source[p], false, normalization[c]);
        }
      }
    }
  }
}

std::vector<float> preprocessDataset(const Dataset& dataset, const PreprocessingOptions& options)
{
  std::vector<std::size_t> indices(dataset.NumberOfSamples);
  std::iota(indices.begin(), indices.end(), std::size_t(0));
  std::vector<float> output(dataset.numberOfValues());
  preprocessSamples(dataset, indices.data(), indices.size(), options, output.data());
  return output;
}

void checkModelInputShape(const Dataset& dataset,
                          const std::vector<std::int64_t>& modelInputShape,
                          const std::string& modelName)
{
  if (modelInputShape.empty() || modelInputShape == dataset.sampleShape())
  {
    return;
  }
  throw DatasetError(dataset.Source,
                     "images are " + shapeToString(dataset.sampleShape()) +
                       " (C x H x W) but the model " + modelName + " expects " +
                       shapeToString(modelInputShape),
                     "choose a dataset that matches the model's input, or a model for this "
                     "dataset");
}

} // namespace cnnslicer
