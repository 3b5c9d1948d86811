// Capture of a module that a training loop owns (the in-situ probe, InSitu/): it must
// see the current weights, give what a loaded checkpoint of those weights gives, and leave
// the module as it found it: every module's own training flag, the BatchNorm statistics,
// LibTorch's random generator.
#include "ModelCapture.h"

#include <gtest/gtest.h>
#include <torch/script.h>

#include <cstdlib>
#include <map>
#include <string>
#include <vector>

namespace
{
using cnnslicer::ModelCapture;

std::string modelsDirectory()
{
  const char* dir = std::getenv("CNNSLICER_TEST_MODELS");
  return dir != nullptr ? dir : "";
}

/// Every layer's output, by index, for one batch.
std::map<std::size_t, std::vector<float>> captureAll(ModelCapture& capture,
                                                     const std::vector<float>& batch,
                                                     const std::vector<std::int64_t>& shape)
{
  std::map<std::size_t, std::vector<float>> outputs;
  std::int64_t perSample = 1;
  for (const std::int64_t d : shape)
  {
    perSample *= d;
  }
  capture.run(batch.data(),
              static_cast<std::int64_t>(batch.size()) / perSample,
              shape,
              {},
              [&](std::size_t index, const float* data, const std::vector<std::int64_t>& sizes)
              {
                std::int64_t count = 1;
                for (const std::int64_t d : sizes)
                {
                  count *= d;
                }
                outputs[index].assign(data, data + count);
              });
  return outputs;
}

std::vector<float> ramp(std::size_t count)
{
  std::vector<float> values(count);
  for (std::size_t i = 0; i < count; ++i)
  {
    values[i] = static_cast<float>((i * 7919) % 1000) / 500.0f - 1.0f;
  }
  return values;
}

/// Training flag of every module, by path ("" for the model itself).
std::map<std::string, bool> trainingFlags(const torch::jit::Module& module)
{
  std::map<std::string, bool> flags{ { "", module.is_training() } };
  for (const auto& child : module.named_modules())
  {
    flags[child.name] = child.value.is_training();
  }
  return flags;
}

TEST(LiveModuleCapture, LeavesTrainingStateAloneAndMatchesALoadedCheckpoint)
{
  const std::string dir = modelsDirectory();
  if (dir.empty())
  {
    GTEST_SKIP() << "CNNSLICER_TEST_MODELS is not set (run through ctest)";
  }
  // The VGG net has BatchNorm (statistics move in training mode) and Dropout (draws
  // random numbers in training mode).
  const std::string path = dir + "/vgg_scripted.pt";
  torch::jit::Module module = torch::jit::load(path);
  module.train(true);
  // One module in evaluation mode, as a training loop may leave it: its flag must stay.
  bool frozeOne = false;
  for (const auto& child : module.named_modules())
  {
    if (!frozeOne && child.value.type()->name()->name() == "BatchNorm2d")
    {
      torch::jit::Module batchNorm = child.value;
      batchNorm.train(false);
      frozeOne = true;
    }
  }
  ASSERT_TRUE(frozeOne) << "the VGG test model has no BatchNorm2d";
  const std::map<std::string, bool> flagsBefore = trainingFlags(module);
  std::vector<torch::Tensor> buffersBefore;
  for (const auto& buffer : module.buffers())
  {
    buffersBefore.push_back(buffer.clone());
  }
  const torch::Tensor generatorBefore = at::detail::getDefaultCPUGenerator().get_state();

  ModelCapture live(module);
  EXPECT_TRUE(live.captures(module));
  EXPECT_FALSE(live.captures(torch::jit::load(path)));
  const std::vector<std::int64_t> shape{ 3, 32, 32 };
  live.inferShapes(shape);
  const std::vector<float> batch = ramp(4 * 3 * 32 * 32);
  const auto liveOutputs = captureAll(live, batch, shape);

  EXPECT_EQ(trainingFlags(module), flagsBefore);
  std::size_t b = 0;
  for (const auto& buffer : module.buffers())
  {
    EXPECT_TRUE(torch::equal(buffer, buffersBefore[b++])) << "a buffer changed";
  }
  EXPECT_TRUE(torch::equal(at::detail::getDefaultCPUGenerator().get_state(), generatorBefore))
    << "the capture drew random numbers";

  // The same weights loaded from the file (evaluation mode) give the same values.
  ModelCapture loaded(path);
  loaded.inferShapes(shape);
  const auto loadedOutputs = captureAll(loaded, batch, shape);
  ASSERT_EQ(live.layers().size(), loaded.layers().size());
  ASSERT_EQ(liveOutputs.size(), loadedOutputs.size());
  for (const auto& [index, values] : loadedOutputs)
  {
    EXPECT_EQ(live.layers()[index].Name, loaded.layers()[index].Name);
    EXPECT_EQ(liveOutputs.at(index), values) << "layer " << loaded.layers()[index].Name;
  }

  // The capture follows the module's weights as they change (an optimizer step).
  {
    torch::NoGradGuard noGradients;
    for (auto parameter : module.parameters())
    {
      parameter.mul_(0.5);
    }
  }
  const auto changedOutputs = captureAll(live, batch, shape);
  EXPECT_NE(changedOutputs.at(live.layers().size() - 1), liveOutputs.at(live.layers().size() - 1));

  // Control: a plain forward pass in training mode does move the statistics that the
  // checks above found unchanged.
  torch::NoGradGuard noGradients;
  module.forward({ torch::from_blob(const_cast<float*>(batch.data()), { 4, 3, 32, 32 }).clone() });
  bool moved = false;
  b = 0;
  for (const auto& buffer : module.buffers())
  {
    moved = moved || !torch::equal(buffer, buffersBefore[b++]);
  }
  EXPECT_TRUE(moved) << "training-mode forward left every buffer alone: the check is blind";
}

} // namespace
