/**
 * @file Preprocessing.h
 * @brief Turns stored images into the model's float32 input, as torchvision's ToTensor
 * and Normalize would.
 */
#pragma once

#include "Dataset.h"
#include "ModelMetadata.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cnnslicer
{

/**
 * @brief How stored values become model input values.
 *
 * For output channel c (input channel C-1-c when ReverseChannelOrder, else c):
 * x = v / 255 for uint8 data when ScaleUInt8 (float data is taken as is), then
 * (x - Mean[c]) / Std[c] when Mean is not empty. Mean and Std hold 1 value (all
 * channels) or one per channel, in the model's channel order.
 */
struct PreprocessingOptions
{
  bool ScaleUInt8 = true;
  std::vector<float> Mean;
  std::vector<float> Std;
  /// RGB <-> BGR (reverses the channels of any count).
  bool ReverseChannelOrder = false;
};

/// User settings that replace the model's metadata; an empty optional keeps the metadata.
struct PreprocessingOverrides
{
  std::optional<std::vector<float>> Mean;
  std::optional<std::vector<float>> Std;
  std::optional<bool> ReverseChannelOrder;
  std::optional<bool> ScaleUInt8;
};

/// Options from @p metadata (mean, std, channel order), each replaced by its override.
PreprocessingOptions resolvePreprocessing(const ModelMetadata& metadata,
                                          const PreprocessingOverrides& overrides = {});

/// Throws DatasetError naming @p sourceName when @p options do not fit @p channels.
void validatePreprocessing(const PreprocessingOptions& options,
                           std::size_t channels,
                           const std::string& sourceName);

/**
 * Writes the samples @p indices[0 .. count) of @p dataset, preprocessed, to @p output
 * (count x C x H x W floats, caller-allocated). This is how the reader fills one inference
 * batch from a selection without copying the dataset.
 */
void preprocessSamples(const Dataset& dataset,
                       const std::size_t* indices,
                       std::size_t count,
                       const PreprocessingOptions& options,
                       float* output);

/// Every sample of @p dataset, preprocessed: N x C x H x W floats.
std::vector<float> preprocessDataset(const Dataset& dataset, const PreprocessingOptions& options);

/**
 * Throws DatasetError when the images of @p dataset ({C, H, W}) are not
 * @p modelInputShape; the message gives both shapes. @p modelName names the model.
 */
void checkModelInputShape(const Dataset& dataset,
                          const std::vector<std::int64_t>& modelInputShape,
                          const std::string& modelName);

} // namespace cnnslicer
