// cnnslicer.json parsing: every key optional, wrong types refused with a clear message.
#include "DatasetTestUtilities.h"
#include "ModelMetadata.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

using namespace cnnslicer;
using namespace cnnslicer::testing;

namespace
{

const std::string Source = "lenet.pt:cnnslicer.json";

std::string metadataError(const std::string& json)
{
  return datasetErrorMessage([&] { parseModelMetadata(json, Source); });
}

} // namespace

TEST(ModelMetadata, ParsesWhatTheExportScriptWrites)
{
  const ModelMetadata metadata = parseModelMetadata(R"({
    "format_version": 1, "architecture": "lenet5", "dataset": "cifar10",
    "input_shape": [3, 32, 32],
    "mean": [0.4914, 0.4822, 0.4465], "std": [0.2470, 0.2435, 0.2616],
    "class_names": ["airplane", "automobile", "bird", "cat", "deer",
                    "dog", "frog", "horse", "ship", "truck"]})",
                                                    Source);
  EXPECT_EQ(metadata.Source, Source);
  EXPECT_EQ(metadata.FormatVersion, 1);
  EXPECT_EQ(metadata.Architecture, "lenet5");
  EXPECT_EQ(metadata.DatasetHint, "cifar10");
  EXPECT_EQ(metadata.InputShape, (std::vector<std::int64_t>{ 3, 32, 32 }));
  EXPECT_EQ(metadata.Mean, (std::vector<float>{ 0.4914f, 0.4822f, 0.4465f }));
  EXPECT_EQ(metadata.Std, (std::vector<float>{ 0.2470f, 0.2435f, 0.2616f }));
  ASSERT_EQ(metadata.ClassNames.size(), 10u);
  EXPECT_EQ(metadata.ClassNames[9], "truck");
  EXPECT_FALSE(metadata.ExpectsBGR);
  EXPECT_TRUE(metadata.UnknownKeys.empty());
}

TEST(ModelMetadata, MissingNullAndUnknownKeys)
{
  const ModelMetadata empty = parseModelMetadata("{}", Source);
  EXPECT_FALSE(empty.hasInputShape());
  EXPECT_FALSE(empty.hasNormalization());
  EXPECT_TRUE(empty.ClassNames.empty());
  EXPECT_EQ(empty.FormatVersion, 0);

  const ModelMetadata partial = parseModelMetadata(
    R"({"input_shape": null, "mean": 0.1307, "std": 0.3081, "channel_order": "bgr",
        "trained_epochs": 12, "notes": "x"})",
    Source);
  EXPECT_FALSE(partial.hasInputShape());
  EXPECT_EQ(partial.Mean, (std::vector<float>{ 0.1307f }));
  EXPECT_EQ(partial.Std, (std::vector<float>{ 0.3081f }));
  EXPECT_TRUE(partial.ExpectsBGR);
  EXPECT_EQ(partial.UnknownKeys, (std::vector<std::string>{ "notes", "trained_epochs" }));
}

TEST(ModelMetadata, ReadsAFile)
{
  TemporaryFolder folder;
  writeTextFile(folder.file("cnnslicer.json"), R"({"input_shape": [1, 28, 28]})");
  const ModelMetadata metadata = readModelMetadataFile(folder.file("cnnslicer.json"));
  EXPECT_EQ(metadata.InputShape, (std::vector<std::int64_t>{ 1, 28, 28 }));
  EXPECT_EQ(metadata.Source, folder.file("cnnslicer.json"));
  expectMessageContains(
    datasetErrorMessage([&] { readModelMetadataFile(folder.file("absent.json")); }),
    { "absent.json", "file not found" });
}

TEST(ModelMetadataErrors, MalformedJsonOrNotAnObject)
{
  expectMessageContains(metadataError("{\"mean\": [0.1,}"), { Source, "malformed JSON", "line 1" });
  expectMessageContains(metadataError("[1, 2]"), { Source, "must be a JSON object, found array" });
  expectMessageContains(metadataError(""), { Source, "malformed JSON" });
  // Found by fuzzing: nlohmann::json reports a number beyond a double as out_of_range, not
  // as a parse error (Testing/Fuzz/regressions/model_metadata).
  expectMessageContains(metadataError(R"({"mean": [1e319], "std": 1})"),
                        { Source, "malformed JSON", "number overflow parsing '1e319'" });
}

TEST(ModelMetadataErrors, KeysOfTheWrongType)
{
  expectMessageContains(metadataError(R"({"mean": "0.5", "std": 1})"),
                        { Source,
                          "key 'mean' must be a number or a non-empty array of numbers",
                          "found string \"0.5\"" });
  expectMessageContains(metadataError(R"({"input_shape": [1, 28]})"),
                        { Source, "key 'input_shape' must be [C, H, W]", "found array [1,28]" });
  expectMessageContains(metadataError(R"({"input_shape": [1, -28, 28]})"), { "'input_shape'" });
  expectMessageContains(metadataError(R"({"input_shape": [1.5, 28, 28]})"), { "'input_shape'" });
  expectMessageContains(metadataError(R"({"class_names": [0, 1]})"),
                        { "key 'class_names' must be an array of strings" });
  expectMessageContains(metadataError(R"({"format_version": "1"})"),
                        { "key 'format_version' must be an integer" });
  expectMessageContains(metadataError(R"({"dataset": 10})"), { "key 'dataset' must be a string" });
  expectMessageContains(metadataError(R"({"channel_order": "RGBA"})"),
                        { "key 'channel_order' must be \"RGB\" or \"BGR\"" });
  // Long values are shortened so that the message stays readable.
  const std::string longList = metadataError(
    R"({"class_names": [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27]})");
  expectMessageContains(longList, { "..." });
  EXPECT_LT(longList.size(), 250u);
}

TEST(ModelMetadataErrors, InconsistentNormalization)
{
  expectMessageContains(metadataError(R"({"mean": [0.5]})"),
                        { Source, "has 'mean' without 'std'" });
  expectMessageContains(metadataError(R"({"std": [0.5]})"), { Source, "has 'std' without 'mean'" });
  expectMessageContains(metadataError(R"({"mean": [0.5], "std": [0]})"),
                        { Source, "not a positive number" });
  expectMessageContains(
    metadataError(R"({"input_shape": [1, 28, 28], "mean": [0.1, 0.2, 0.3], "std": [1, 1, 1]})"),
    { Source, "'mean' has 3 values and 'std' 3 for 1 input channels" });
  expectMessageContains(metadataError(R"({"mean": [0.1, 0.2], "std": [1, 1, 1]})"),
                        { "'mean' has 2 values and 'std' 3" });
}

// 1e300 is a valid JSON number (a double) but overflows the float32 that holds the mean.
TEST(ModelMetadataErrors, MeanThatOverflowsFloat32)
{
  expectMessageContains(metadataError(R"({"mean": [1e300], "std": [1]})"),
                        { Source,
                          "'mean' holds a value that is not finite",
                          "re-export it with Examples/Models/export_models.py" });
}

// A metadata file the user cannot read (the dataset loaders' UnreadableFilesAndFolders test
// does the same for every dataset format).
TEST(ModelMetadataErrors, UnreadableFile)
{
  if (geteuid() == 0)
  {
    GTEST_SKIP() << "root reads files whatever their permissions";
  }
  TemporaryFolder folder;
  const std::string metadata = folder.file("cnnslicer.json");
  writeTextFile(metadata, "{}");
  std::filesystem::permissions(
    metadata, std::filesystem::perms::none, std::filesystem::perm_options::replace);
  expectMessageContains(datasetErrorMessage([&] { readModelMetadataFile(metadata); }),
                        { metadata, "cannot read the file", "check its permissions" });
}
