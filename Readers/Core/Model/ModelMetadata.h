/**
 * @file ModelMetadata.h
 * @brief The `cnnslicer.json` file that travels inside a TorchScript archive
 * (Documentation/design.md section 2.7).
 */
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cnnslicer
{

/**
 * @brief What a model says about its input, parsed from `cnnslicer.json`.
 *
 * Every key is optional; an absent (or null) key leaves its field empty and the reader's
 * properties or defaults apply. Keys (as Examples/Models/cnn_models.py writes them):
 * `format_version` (integer), `architecture` (string), `dataset` (string hint such as
 * "mnist"), `input_shape` ([C, H, W] positive integers), `mean` and `std` (a number or one
 * number per channel, std > 0), `class_names` (strings), `channel_order` ("RGB" or "BGR":
 * the order the model expects; datasets are read as RGB). Unknown keys are kept in
 * UnknownKeys so that the reader can mention them.
 */
struct ModelMetadata
{
  /// Where the JSON came from ("model.pt:cnnslicer.json"), for messages.
  std::string Source;
  std::int64_t FormatVersion = 0;
  std::string Architecture;
  std::string DatasetHint;
  std::vector<std::int64_t> InputShape;
  std::vector<float> Mean;
  std::vector<float> Std;
  std::vector<std::string> ClassNames;
  /// True when the model expects BGR input ("channel_order": "BGR").
  bool ExpectsBGR = false;
  std::vector<std::string> UnknownKeys;

  bool hasInputShape() const { return !InputShape.empty(); }
  bool hasNormalization() const { return !Mean.empty(); }
};

/**
 * Parses @p jsonText. Throws DatasetError naming @p sourceName on malformed JSON, a key of
 * the wrong type, or inconsistent values (std without mean, a zero std, a mean/std count
 * that is neither 1 nor the input channel count).
 */
ModelMetadata parseModelMetadata(const std::string& jsonText, const std::string& sourceName);

/// Reads and parses the file @p path.
ModelMetadata readModelMetadataFile(const std::string& path);

} // namespace cnnslicer
