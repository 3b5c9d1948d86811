// TorchScript capture against PyTorch's eager forward hooks (Documentation/reader.md,
// "Capture"): every leaf-module
// output of the project's models, scripted and traced, must match within 1e-5 of the
// tensor's maximum. Models and references come from Examples/Models (ctest fixture).
#include "ActivationVolume.h"
#include "ModelCapture.h"
#include "NumpyLoader.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

namespace
{
using cnnslicer::CaptureError;
using cnnslicer::ModelCapture;

std::string modelsDirectory()
{
  const char* dir = std::getenv("CNNSLICER_TEST_MODELS");
  return dir != nullptr ? dir : "";
}

/// A float32 .npy array (C order) with its shape.
struct NpyArray
{
  std::vector<std::uint64_t> Shape;
  std::vector<float> Values;
};

NpyArray readNpy(const std::string& path)
{
  const cnnslicer::NpyHeader header = cnnslicer::readNpyHeader(path);
  EXPECT_EQ(header.Descr, "<f4") << path;
  NpyArray array;
  array.Shape = header.Shape;
  array.Values.resize(header.numberOfElements());
  std::ifstream in(path, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(header.DataOffset));
  in.read(reinterpret_cast<char*>(array.Values.data()),
          static_cast<std::streamsize>(array.Values.size() * sizeof(float)));
  EXPECT_TRUE(in.good()) << path;
  return array;
}

std::vector<std::int64_t> sampleShapeOf(const NpyArray& input)
{
  return std::vector<std::int64_t>(input.Shape.begin() + 1, input.Shape.end());
}

/// Largest |a - b| relative to max |b|.
double relativeError(const float* a, const std::vector<float>& b)
{
  double largest = 0.0;
  double difference = 0.0;
  for (std::size_t i = 0; i < b.size(); ++i)
  {
    largest = std::max(largest, static_cast<double>(std::fabs(b[i])));
    difference = std::max(difference, static_cast<double>(std::fabs(a[i] - b[i])));
  }
  return largest > 0.0 ? difference / largest : difference;
}

class CaptureMatchesEagerHooks : public ::testing::TestWithParam<std::string>
{
};

TEST_P(CaptureMatchesEagerHooks, EveryLayerInOrder)
{
  const std::string dir = modelsDirectory();
  if (dir.empty())
  {
    GTEST_SKIP()
      << "CNNSLICER_TEST_MODELS is not set (run through ctest, which exports the models)";
  }
  const std::string name = GetParam();
  const std::string architecture = name.substr(0, name.find('_'));
  const std::string reference = dir + "/reference/" + architecture;
  std::ifstream manifestFile(reference + "/manifest.json");
  ASSERT_TRUE(manifestFile.good()) << "missing " << reference << "/manifest.json";
  const nlohmann::json manifest = nlohmann::json::parse(manifestFile);

  ModelCapture capture(dir + "/" + name + ".pt");
  EXPECT_FALSE(capture.fellBackToOperations());
  EXPECT_NE(capture.metadata().find("input_shape"), std::string::npos);

  // Names: "input", the hooks' leaf modules in execution order, "logits".
  const auto& layers = capture.layers();
  ASSERT_EQ(layers.size(), manifest.size() + 2);
  EXPECT_EQ(layers.front().Name, "input");
  EXPECT_EQ(layers.back().Name, "logits");
  for (std::size_t i = 0; i < manifest.size(); ++i)
  {
    EXPECT_EQ(layers[i + 1].Name, manifest[i]["name"].get<std::string>());
    EXPECT_EQ(layers[i + 1].Type, manifest[i]["type"].get<std::string>());
  }

  const NpyArray input = readNpy(reference + "/input.npy");
  const auto sampleShape = sampleShapeOf(input);
  capture.inferShapes(sampleShape);
  std::size_t compared = 0;
  capture.run(input.Values.data(),
              static_cast<std::int64_t>(input.Shape[0]),
              sampleShape,
              {},
              [&](std::size_t index, const float* data, const std::vector<std::int64_t>& shape)
              {
                const std::string file = index == 0 ? "input.npy"
                                         : index + 1 == layers.size()
                                           ? "output.npy"
                                           : manifest[index - 1]["file"].get<std::string>();
                const NpyArray expected = readNpy(reference + "/" + file);
                ASSERT_EQ(std::vector<std::uint64_t>(shape.begin(), shape.end()), expected.Shape)
                  << layers[index].Name;
                EXPECT_LE(relativeError(data, expected.Values), 1e-5) << layers[index].Name;
                ++compared;
              });
  EXPECT_EQ(compared, layers.size());
}

INSTANTIATE_TEST_SUITE_P(Models,
                         CaptureMatchesEagerHooks,
                         ::testing::Values("lenet5_scripted",
                                           "lenet5_traced",
                                           "lenet5bn_scripted",
                                           "lenet5bn_traced",
                                           "vgg_scripted",
                                           "vgg_traced",
                                           "resnet_scripted",
                                           "resnet_traced"));

TEST(CaptureErrors, NotTorchScriptMissingAndWrongShape)
{
  const std::string bogus = ::testing::TempDir() + "/not_a_model.pt";
  std::ofstream(bogus) << "this is not a zip archive";
  try
  {
    ModelCapture capture(bogus);
    FAIL() << "a text file was accepted as a model";
  }
  catch (const CaptureError& e)
  {
    EXPECT_NE(std::string(e.what()).find("not a TorchScript archive"), std::string::npos)
      << e.what();
    EXPECT_NE(std::string(e.what()).find(bogus), std::string::npos) << e.what();
  }
  try
  {
    ModelCapture capture(::testing::TempDir() + "/no_such_model.pt");
    FAIL() << "a missing file was accepted";
  }
  catch (const CaptureError& e)
  {
    EXPECT_NE(std::string(e.what()).find("does not exist"), std::string::npos) << e.what();
  }
  const std::string dir = modelsDirectory();
  if (dir.empty())
  {
    GTEST_SKIP() << "CNNSLICER_TEST_MODELS is not set";
  }
  ModelCapture lenet(dir + "/lenet5_scripted.pt");
  try
  {
    lenet.inferShapes({ 3, 32, 32 });
    FAIL() << "LeNet accepted a CIFAR-sized input";
  }
  catch (const CaptureError& e)
  {
    EXPECT_NE(std::string(e.what()).find("[1, 3, 32, 32]"), std::string::npos) << e.what();
  }
}

// The archive's zip directory is checked before LibTorch loads (and runs) the model.
TEST(CaptureErrors, ModelAboveTheMemoryLimitIsRefusedBeforeLoading)
{
  const std::string dir = modelsDirectory();
  if (dir.empty())
  {
    GTEST_SKIP() << "CNNSLICER_TEST_MODELS is not set";
  }
  const std::string path = dir + "/lenet5_scripted.pt";
  try
  {
    ModelCapture capture(path, cnnslicer::CaptureGranularity::Modules, 1000);
    FAIL() << "a model above a 1000-byte memory limit was loaded";
  }
  catch (const CaptureError& e)
  {
    EXPECT_NE(std::string(e.what()).find(path + ": declares "), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(
                " of tensors, above the memory limit of 1000 bytes; raise MemoryLimit"),
              std::string::npos)
      << e.what();
  }
}

TEST(CaptureGranularity, FrozenModelFallsBackToOperations)
{
  const std::string dir = modelsDirectory();
  if (dir.empty())
  {
    GTEST_SKIP() << "CNNSLICER_TEST_MODELS is not set";
  }
  ModelCapture frozen(dir + "/resnet_scripted_frozen.pt");
  EXPECT_TRUE(frozen.fellBackToOperations());
  EXPECT_EQ(frozen.granularity(), cnnslicer::CaptureGranularity::Operations);
  ASSERT_GT(frozen.layers().size(), 10u);
  // The frozen model's output still equals the eager model's (conv + BN folding
  // changes the last bits only).
  const NpyArray input = readNpy(dir + "/reference/resnet/input.npy");
  const NpyArray output = readNpy(dir + "/reference/resnet/output.npy");
  const auto sampleShape = sampleShapeOf(input);
  frozen.inferShapes(sampleShape);
  const std::size_t last = frozen.layers().size() - 1;
  std::vector<bool> wanted(frozen.layers().size(), false);
  wanted[last] = true;
  bool seen = false;
  frozen.run(input.Values.data(),
             static_cast<std::int64_t>(input.Shape[0]),
             sampleShape,
             wanted,
             [&](std::size_t index, const float* data, const std::vector<std::int64_t>&)
             {
               EXPECT_EQ(index, last);
               EXPECT_LE(relativeError(data, output.Values), 1e-5);
               seen = true;
             });
  EXPECT_TRUE(seen);
}

TEST(CaptureGranularity, EveryLoadListsTheSameLayers)
{
  // The rewrite keys its bookkeeping by node address; a node destroyed while inlining and
  // a later one at the same address made a Conv2d's inner _conv_forward call look like a
  // second call of the layer ("features.7#1") in 1 of 33 loads in pvbatch. This test's
  // allocation pattern did not reproduce it (0 of 1,200 loads before the fix); it checks
  // that repeated loads agree, and the VGG's names have no repeat mark.
  const std::string dir = modelsDirectory();
  if (dir.empty())
  {
    GTEST_SKIP() << "CNNSLICER_TEST_MODELS is not set";
  }
  for (const char* model : { "vgg_scripted.pt", "resnet_scripted.pt" })
  {
    std::vector<std::string> first;
    for (int load = 0; load < 40; ++load)
    {
      const ModelCapture capture(dir + "/" + model);
      std::vector<std::string> names;
      for (const auto& layer : capture.layers())
      {
        names.push_back(layer.Name);
        // The VGG calls each module once (the ResNet's shared ReLU is "relu#1" by right).
        if (std::string(model) == "vgg_scripted.pt")
        {
          EXPECT_EQ(layer.Name.find('#'), std::string::npos) << model << " load " << load;
        }
      }
      if (load == 0)
      {
        first = names;
      }
      ASSERT_EQ(names, first) << model << " load " << load;
    }
  }
}

TEST(CaptureGranularity, OperationsIncludeFunctionalReluAndResidualAdds)
{
  const std::string dir = modelsDirectory();
  if (dir.empty())
  {
    GTEST_SKIP() << "CNNSLICER_TEST_MODELS is not set";
  }
  ModelCapture modules(dir + "/resnet_scripted.pt");
  ModelCapture operations(dir + "/resnet_scripted.pt", cnnslicer::CaptureGranularity::Operations);
  EXPECT_GT(operations.layers().size(), modules.layers().size());
  bool residualAdd = false;
  bool functionalRelu = false;
  for (const auto& layer : operations.layers())
  {
    residualAdd = residualAdd || layer.Name == "layer1.0/add_";
    functionalRelu = functionalRelu || layer.Name == "layer1.0/relu";
  }
  EXPECT_TRUE(residualAdd);
  EXPECT_TRUE(functionalRelu);
  // Module layers keep their names among the operations.
  EXPECT_EQ(operations.layers()[1].Name, modules.layers()[1].Name);
}

TEST(CaptureGranularity, ModulesInsideBranches)
{
  const std::string dir = modelsDirectory();
  if (dir.empty())
  {
    GTEST_SKIP() << "CNNSLICER_TEST_MODELS is not set";
  }
  ModelCapture capture(dir + "/branching_scripted.pt");
  std::vector<std::string> names;
  for (const auto& layer : capture.layers())
  {
    names.push_back(layer.Name);
  }
  EXPECT_EQ(names, (std::vector<std::string>{ "input", "conv", "taken", "skipped", "logits" }));
  const std::vector<std::int64_t> shape{ 1, 6, 6 };
  capture.inferShapes(shape);
  EXPECT_TRUE(capture.layers()[2].Executed);
  EXPECT_FALSE(capture.layers()[3].Executed);

  // The taken branch's ReLU output equals max(conv, 0); the other branch delivers nothing.
  std::vector<float> input(2 * 36);
  for (std::size_t i = 0; i < input.size(); ++i)
  {
    input[i] = static_cast<float>(i % 7) - 3.0f;
  }
  std::vector<float> conv;
  std::vector<std::size_t> delivered;
  capture.run(input.data(),
              2,
              shape,
              {},
              [&](std::size_t index, const float* data, const std::vector<std::int64_t>& s)
              {
                delivered.push_back(index);
                const std::size_t n = static_cast<std::size_t>(s[0] * s[1] * s[2] * s[3]);
                if (index == 1)
                {
                  conv.assign(data, data + n);
                }
                if (index == 2)
                {
                  ASSERT_EQ(conv.size(), n);
                  for (std::size_t i = 0; i < n; ++i)
                  {
                    EXPECT_EQ(data[i], std::max(conv[i], 0.0f));
                  }
                }
              });
  EXPECT_EQ(delivered, (std::vector<std::size_t>{ 0, 1, 2, 4 }));
}

TEST(ActivationVolume, GeometryTransposeFlipAndRanges)
{
  using cnnslicer::VolumeGeometry;
  const auto chw = VolumeGeometry::fromSampleShape({ 6, 28, 27 });
  EXPECT_EQ(chw.Width, 27);
  EXPECT_EQ(chw.Height, 28);
  EXPECT_EQ(chw.Channels, 6);
  const auto dense = VolumeGeometry::fromSampleShape({ 10 });
  EXPECT_EQ(dense.points(), 10u);
  EXPECT_EQ(dense.Channels, 10);
  EXPECT_EQ(VolumeGeometry::describe({ 6, 28, 28 }), "(6, 28, 28)");

  // 2 samples of shape (2 channels, 2 rows, 3 columns): value = 100 n + 10 (c*2+row) + col.
  const VolumeGeometry g = VolumeGeometry::fromSampleShape({ 2, 2, 3 });
  std::vector<float> batch(2 * 12);
  for (int n = 0; n < 2; ++n)
    for (int c = 0; c < 2; ++c)
      for (int row = 0; row < 2; ++row)
        for (int col = 0; col < 3; ++col)
          batch[n * 12 + (c * 2 + row) * 3 + col] =
            static_cast<float>(100 * n + 10 * (c * 2 + row) + col);
  std::vector<float> volume(12 * 3, -1.0f);
  cnnslicer::ActivationVolumeWriter writer(volume.data(), g, 3);
  writer.write(batch.data(), 2, 1); // components 1 and 2
  // Point (x=2, y=1, c=1) is row 0 of channel 1 (rows flip): value 10 * 2 + 2.
  const std::size_t point = (1 * 2 + 1) * 3 + 2;
  EXPECT_EQ(volume[point * 3 + 1], 22.0f);
  EXPECT_EQ(volume[point * 3 + 2], 122.0f);
  EXPECT_EQ(volume[point * 3 + 0], -1.0f); // component 0 untouched
  EXPECT_EQ(writer.componentRanges()[1].Low, 0.0);
  EXPECT_EQ(writer.componentRanges()[2].High, 132.0);
}

TEST(ActivationVolume, TransposeOfFullBlocksAndTailsEqualsNaiveLayout)
{
  // 37 samples (two 16-sample blocks and a tail) written at component 5 of 50, for an
  // image layer (rows of 9: two 4-point tiles and a tail), a one-row layer (C, L) and a
  // dense layer longer than one 256-point piece: every value, range and norm as laid out
  // one value at a time.
  using cnnslicer::VolumeGeometry;
  const std::size_t samples = 50;
  const std::size_t first = 5;
  const std::size_t batchSize = 37;
  for (const std::vector<std::int64_t>& shape :
       { std::vector<std::int64_t>{ 3, 5, 9 }, { 4, 7 }, { 300 } })
  {
    const VolumeGeometry g = VolumeGeometry::fromSampleShape(shape);
    const std::size_t perSample = g.points();
    std::vector<float> batch(batchSize * perSample);
    for (std::size_t i = 0; i < batch.size(); ++i)
    {
      batch[i] = static_cast<float>(std::sin(0.37 * static_cast<double>(i)) * 3.0);
    }
    std::vector<float> volume(perSample * samples, -7.0f);
    cnnslicer::ActivationVolumeWriter writer(volume.data(), g, samples, 2);
    writer.write(batch.data(), batchSize, first);

    const auto w = static_cast<std::size_t>(g.Width);
    const auto h = static_cast<std::size_t>(g.Height);
    double lowNorm = std::numeric_limits<double>::infinity();
    double highNorm = 0.0;
    for (std::size_t c = 0; c < static_cast<std::size_t>(g.Channels); ++c)
    {
      for (std::size_t row = 0; row < h; ++row)
      {
        for (std::size_t x = 0; x < w; ++x)
        {
          const std::size_t source = (c * h + row) * w + x;
          const std::size_t point = (c * h + (h - 1 - row)) * w + x;
          double squares = 0.0;
          for (std::size_t b = 0; b < batchSize; ++b)
          {
            const float v = batch[b * perSample + source];
            ASSERT_EQ(volume[point * samples + first + b], v) << "point " << point;
            squares += static_cast<double>(v) * v;
          }
          EXPECT_EQ(volume[point * samples + first - 1], -7.0f);
          EXPECT_EQ(volume[point * samples + first + batchSize], -7.0f);
          lowNorm = std::min(lowNorm, std::sqrt(squares));
          highNorm = std::max(highNorm, std::sqrt(squares));
        }
      }
    }
    EXPECT_NEAR(writer.normRange().Low, lowNorm, 1e-12 * lowNorm);
    EXPECT_NEAR(writer.normRange().High, highNorm, 1e-12 * highNorm);
    const auto [low, high] =
      std::minmax_element(batch.begin() + perSample * 3, batch.begin() + perSample * 4);
    EXPECT_EQ(writer.componentRanges()[first + 3].Low, *low);
    EXPECT_EQ(writer.componentRanges()[first + 3].High, *high);
  }
}

} // namespace
