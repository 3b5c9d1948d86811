#include "ModelMetadata.h"

#include "DatasetError.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace cnnslicer
{

namespace
{

using Json = nlohmann::json;

const std::string MetadataFix =
  "fix the model's cnnslicer.json (re-export it with Examples/Models/export_models.py)";

/// The offending value as JSON, shortened so that the message stays one readable line.
std::string shortDump(const Json& value)
{
  constexpr std::size_t MaximumCharacters = 60;
  std::string text = value.dump();
  if (text.size() > MaximumCharacters)
  {
    text = text.substr(0, MaximumCharacters) + "...";
  }
  return text;
}

[[noreturn]] void wrongType(const std::string& source,
                            const std::string& key,
                            const std::string& expected,
                            const Json& value)
{
  throw DatasetError(source,
                     "key '" + key + "' must be " + expected + ", found " + value.type_name() +
                       " " + shortDump(value),
                     MetadataFix);
}

std::string stringValue(const std::string& source, const std::string& key, const Json& value)
{
  if (!value.is_string())
  {
    wrongType(source, key, "a string", value);
  }
  return value.get<std::string>();
}

std::vector<float> numbersValue(const std::string& source,
                                const std::string& key,
                                const Json& value)
{
  std::vector<float> numbers;
  if (value.is_number())
  {
    numbers.push_back(value.get<float>());
    return numbers;
  }
  if (!value.is_array() || value.empty() ||
      !std::all_of(value.begin(), value.end(), [](const Json& v) { return v.is_number(); }))
  {
    wrongType(source, key, "a number or a non-empty array of numbers", value);
  }
  for (const Json& element : value)
  {
    numbers.push_back(element.get<float>());
  }
  return numbers;
}

std::vector<std::int64_t> inputShapeValue(const std::string& source, const Json& value)
{
  const bool positiveIntegers =
    value.is_array() &&
    std::all_of(value.begin(),
                value.end(),
                [](const Json& v) { return v.is_number_integer() && v.get<std::int64_t>() > 0; });
  if (!positiveIntegers || value.size() != 3)
  {
    wrongType(source, "input_shape", "[C, H, W] (3 positive integers)", value);
  }
  return value.get<std::vector<std::int64_t>>();
}

std::vector<std::string> stringsValue(const std::string& source,
                                      const std::string& key,
                                      const Json& value)
{
  if (!value.is_array() ||
      !std::all_of(value.begin(), value.end(), [](const Json& v) { return v.is_string(); }))
  {
    wrongType(source, key, "an array of strings", value);
  }
  return value.get<std::vector<std::string>>();
}

void checkNormalization(const ModelMetadata& metadata)
{
  const std::string& source = metadata.Source;
  if (metadata.Mean.empty() != metadata.Std.empty())
  {
    throw DatasetError(source,
                       std::string("has '") + (metadata.Mean.empty() ? "std" : "mean") +
                         "' without '" + (metadata.Mean.empty() ? "mean" : "std") + "'",
                       "give both mean and std, or neither");
  }
  for (const float deviation : metadata.Std)
  {
    if (!(deviation > 0.0f) || !std::isfinite(deviation))
    {
      throw DatasetError(source,
                         "'std' holds " + std::to_string(deviation) + ", not a positive number",
                         MetadataFix);
    }
  }
  for (const float mean : metadata.Mean)
  {
    if (!std::isfinite(mean))
    {
      throw DatasetError(source, "'mean' holds a value that is not finite", MetadataFix);
    }
  }
  const auto fitsChannels = [&](std::size_t count)
  {
    return count <= 1 || !metadata.hasInputShape() ||
           count == static_cast<std::size_t>(metadata.InputShape[0]);
  };
  const bool sameCount = metadata.Mean.size() == metadata.Std.size() || metadata.Mean.size() == 1 ||
                         metadata.Std.size() == 1;
  if (!sameCount || !fitsChannels(metadata.Mean.size()) || !fitsChannels(metadata.Std.size()))
  {
    throw DatasetError(source,
                       "'mean' has " + std::to_string(metadata.Mean.size()) + " values and 'std' " +
                         std::to_string(metadata.Std.size()) + " for " +
                         (metadata.hasInputShape()
                            ? std::to_string(metadata.InputShape[0]) + " input channels"
                            : std::string("the same channels")),
                       "give one value, or one per input channel");
  }
}

} // namespace

ModelMetadata parseModelMetadata(const std::string& jsonText, const std::string& sourceName)
{
  ModelMetadata metadata;
  metadata.Source = sourceName;
  Json document;
  try
  {
    document = Json::parse(jsonText);
  }
  catch (const Json::exception& error)
  {
    // Besides syntax errors (parse_error), nlohmann::json throws out_of_range for numbers
    // beyond a double (1e400).
    throw DatasetError(
      sourceName, std::string("malformed JSON (") + error.what() + ")", MetadataFix);
  }
  if (!document.is_object())
  {
    throw DatasetError(
      sourceName, std::string("must be a JSON object, found ") + document.type_name(), MetadataFix);
  }

  for (const auto& [key, value] : document.items())
  {
    if (value.is_null())
    {
      continue;
    }
    if (key == "format_version")
    {
      if (!value.is_number_integer())
      {
        wrongType(sourceName, key, "an integer", value);
      }
      metadata.FormatVersion = value.get<std::int64_t>();
    }
    else if (key == "architecture")
    {
      metadata.Architecture = stringValue(sourceName, key, value);
    }
    else if (key == "dataset")
    {
      metadata.DatasetHint = stringValue(sourceName, key, value);
    }
    else if (key == "input_shape")
    {
      metadata.InputShape = inputShapeValue(sourceName, value);
    }
    else if (key == "mean")
    {
      metadata.Mean = numbersValue(sourceName, key, value);
    }
    else if (key == "std")
    {
      metadata.Std = numbersValue(sourceName, key, value);
    }
    else if (key == "class_names")
    {
      metadata.ClassNames = stringsValue(sourceName, key, value);
    }
    else if (key == "channel_order")
    {
      std::string order = stringValue(sourceName, key, value);
      std::transform(order.begin(),
                     order.end(),
                     order.begin(),
                     [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
      if (order != "RGB" && order != "BGR")
      {
        wrongType(sourceName, key, "\"RGB\" or \"BGR\"", value);
      }
      metadata.ExpectsBGR = order == "BGR";
    }
    else
    {
      metadata.UnknownKeys.push_back(key);
    }
  }
  checkNormalization(metadata);
  return metadata;
}

ModelMetadata readModelMetadataFile(const std::string& path)
{
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error))
  {
    throw DatasetError(path, "file not found", "check the path of the cnnslicer.json file");
  }
  std::ifstream stream(path, std::ios::binary);
  std::ostringstream text;
  text << stream.rdbuf();
  if (!stream)
  {
    throw DatasetError(path, "cannot read the file", "check its permissions");
  }
  return parseModelMetadata(text.str(), path);
}

} // namespace cnnslicer
