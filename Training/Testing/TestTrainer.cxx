// The trainer on the exported test models (fixture cnnslicer_test_data): checkpoints and
// their metadata, determinism, callbacks, stopping, and the errors a user can run into.
#include "DatasetError.h"
#include "Trainer.h"
#include "TrainerTorch.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/script.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

using namespace cnnslicer;
namespace fs = std::filesystem;

namespace
{

std::string testModels()
{
  const char* path = std::getenv("CNNSLICER_TEST_DATA");
  return path ? std::string(path) + "/models" : "";
}

/**
 * Images a CNN learns in one epoch: class k is a bright 4 x 4 square at its own place
 * (two rows of five places) on dim uniform noise, in every channel.
 */
Dataset squaresDataset(std::size_t count,
                       std::size_t channels,
                       std::size_t size,
                       std::uint32_t seed)
{
  Dataset dataset;
  dataset.NumberOfSamples = count;
  dataset.Channels = channels;
  dataset.Height = size;
  dataset.Width = size;
  dataset.Source = "squares(" + std::to_string(count) + ", seed " + std::to_string(seed) + ")";
  std::mt19937 random(seed);
  for (std::size_t n = 0; n < count; ++n)
  {
    const std::int64_t label = static_cast<std::int64_t>((n * 7 + seed) % 10);
    dataset.Labels.push_back(label);
    const std::size_t top = 3 + static_cast<std::size_t>(label / 5) * (size / 2);
    const std::size_t left = 1 + static_cast<std::size_t>(label % 5) * (size / 5);
    for (std::size_t c = 0; c < channels; ++c)
      for (std::size_t y = 0; y < size; ++y)
        for (std::size_t x = 0; x < size; ++x)
        {
          const bool square = y >= top && y < top + 4 && x >= left && x < left + 4;
          dataset.UInt8Pixels.push_back(
            static_cast<std::uint8_t>(square ? 220 + random() % 36 : random() % 60));
        }
  }
  return dataset;
}

Dataset mnistLike(std::size_t count, std::uint32_t seed)
{
  return squaresDataset(count, 1, 28, seed);
}

/// Parameters and buffers of a saved module by name.
std::map<std::string, torch::Tensor> stateOf(const std::string& path)
{
  torch::jit::Module module = torch::jit::load(path);
  std::map<std::string, torch::Tensor> state;
  for (const auto& parameter : module.named_parameters())
  {
    state["parameter " + parameter.name] = parameter.value;
  }
  for (const auto& buffer : module.named_buffers())
  {
    state["buffer " + buffer.name] = buffer.value;
  }
  return state;
}

/// True when both files hold the same tensors, bit for bit.
bool sameState(const std::string& first, const std::string& second)
{
  const auto a = stateOf(first);
  const auto b = stateOf(second);
  if (a.size() != b.size())
  {
    return false;
  }
  for (const auto& [name, tensor] : a)
  {
    const auto other = b.find(name);
    if (other == b.end() || !torch::equal(tensor, other->second))
    {
      return false;
    }
  }
  return true;
}

nlohmann::json metadataOf(const std::string& path)
{
  torch::jit::ExtraFilesMap extra{ { "cnnslicer.json", "" } };
  torch::jit::load(path, torch::kCPU, extra);
  return nlohmann::json::parse(extra["cnnslicer.json"]);
}

std::size_t lineCount(const std::string& path)
{
  std::ifstream stream(path);
  std::size_t lines = 0;
  for (std::string line; std::getline(stream, line);)
  {
    ++lines;
  }
  return lines;
}

class TrainerTest : public ::testing::Test
{
protected:
  void SetUp() override
  {
    if (testModels().empty())
    {
      GTEST_SKIP() << "CNNSLICER_TEST_DATA is not set (run through ctest)";
    }
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    this->Folder = fs::temp_directory_path() / ("cnnslicer-trainer-" + std::string(info->name()) +
                                                "-" + std::to_string(getpid()));
    fs::remove_all(this->Folder);
    fs::create_directories(this->Folder);
  }

  void TearDown() override
  {
    if (!this->Folder.empty())
    {
      fs::remove_all(this->Folder);
    }
  }

  /// Options of a short run into the subfolder @p subfolder.
  TrainingOptions shortRun(const std::string& subfolder, std::size_t epochs = 2) const
  {
    TrainingOptions options;
    options.Epochs = epochs;
    options.BatchSize = 32;
    options.EvaluationBatchSize = 64;
    options.LearningRate = 0.05;
    options.Threads = 1;
    options.OutputDirectory = (this->Folder / subfolder).string();
    return options;
  }

  static std::string model(const std::string& name) { return testModels() + "/" + name; }

  /// Saves a module with one trainable weight `w` (1 element) and the TorchScript methods
  /// @p source as @p fileName in the test folder; returns its path.
  std::string scriptedModel(const std::string& fileName, const std::string& source) const
  {
    torch::jit::Module module("TestModel");
    module.register_parameter("w", torch::ones({ 1 }, torch::requires_grad()), false);
    module.register_attribute("training", c10::BoolType::get(), true);
    module.define(source);
    const std::string path = (this->Folder / fileName).string();
    module.save(path);
    return path;
  }

  /// The message of the exception that training @p modelFile on @p train throws.
  std::string trainingError(const std::string& modelFile,
                            const Dataset& train,
                            const Dataset& test,
                            const TrainingOptions& options)
  {
    try
    {
      Trainer trainer(modelFile, options);
      trainer.run(train, test);
    }
    catch (const std::exception& error)
    {
      return error.what();
    }
    return "";
  }

  fs::path Folder;
};

} // namespace

TEST_F(TrainerTest, WritesCheckpointsHistoryAndMetadata)
{
  TrainingOptions options = this->shortRun("run");
  Trainer trainer(model("lenet5_scripted.pt"), options);
  const TrainingSummary summary = trainer.run(mnistLike(400, 1), mnistLike(100, 2));

  ASSERT_EQ(summary.Epochs.size(), 3u);
  EXPECT_FALSE(summary.Interrupted);
  EXPECT_EQ(summary.Steps, 2u * 13u);
  for (std::size_t epoch = 0; epoch <= 2; ++epoch)
  {
    const std::string expected =
      (this->Folder / "run" / ("lenet5_epoch_0" + std::to_string(epoch) + ".pt")).string();
    EXPECT_EQ(summary.Epochs[epoch].Checkpoint, expected);
    EXPECT_TRUE(fs::is_regular_file(expected)) << expected;
  }
  EXPECT_EQ(lineCount(summary.HistoryFile), 4u);

  // Epoch 0 is the model as loaded; training then moves the weights and lowers the loss.
  EXPECT_TRUE(sameState(model("lenet5_scripted.pt"), summary.Epochs[0].Checkpoint));
  EXPECT_FALSE(sameState(summary.Epochs[0].Checkpoint, summary.Epochs[2].Checkpoint));
  EXPECT_LT(summary.Epochs[2].TrainLoss, summary.Epochs[1].TrainLoss);
  EXPECT_LT(summary.Epochs[2].TestLoss, summary.Epochs[0].TestLoss);
  EXPECT_GT(summary.Epochs[2].TestAccuracy, 0.5);
  EXPECT_NEAR(summary.Epochs[0].TestAccuracy, 0.1, 0.1);

  // The archive loads, in evaluation mode, with the model's metadata and the run's state.
  torch::jit::Module saved = torch::jit::load(summary.Epochs[2].Checkpoint);
  EXPECT_FALSE(saved.is_training());
  const nlohmann::json meta = metadataOf(summary.Epochs[2].Checkpoint);
  EXPECT_EQ(meta["architecture"], "lenet5");
  EXPECT_EQ(meta["input_shape"], nlohmann::json({ 1, 28, 28 }));
  EXPECT_EQ(meta["epoch"], 2);
  EXPECT_DOUBLE_EQ(meta["accuracy"].get<double>(), summary.Epochs[2].TestAccuracy);
  EXPECT_DOUBLE_EQ(meta["train_loss"].get<double>(), summary.Epochs[2].TrainLoss);
  EXPECT_EQ(meta["training"]["steps"], 26);
  EXPECT_EQ(meta["training"]["optimizer"], "sgd");
  EXPECT_EQ(meta["training"]["threads"], 1);
  EXPECT_EQ(metadataOf(summary.Epochs[0].Checkpoint)["train_loss"], nullptr);

  const ModelMetadata parsed = parseModelMetadata(meta.dump(), "checkpoint");
  EXPECT_EQ(parsed.Mean, (std::vector<float>{ 0.1307f }));
  EXPECT_EQ(parsed.ClassNames.size(), 10u);
  EXPECT_NE(std::find(parsed.UnknownKeys.begin(), parsed.UnknownKeys.end(), "accuracy"),
            parsed.UnknownKeys.end());
}

TEST_F(TrainerTest, SameSeedGivesIdenticalCheckpointsOtherSeedDoesNot)
{
  // BatchNorm, one-cycle schedule, Nesterov momentum, weight decay and augmentation: every
  // random and stateful part of the loop.
  const auto train = [&](const std::string& folder, std::uint64_t seed)
  {
    TrainingOptions options = this->shortRun(folder);
    options.Seed = seed;
    options.Schedule = LearningRateScheduleKind::OneCycle;
    options.WarmupFraction = 0.3;
    options.Nesterov = true;
    options.WeightDecay = 5e-4;
    options.Augmentation = AugmentationKind::CropFlip;
    Trainer trainer(model("lenet5bn_scripted.pt"), options);
    return trainer.run(mnistLike(200, 1), mnistLike(50, 2));
  };
  const TrainingSummary first = train("first", 4);
  const TrainingSummary second = train("second", 4);
  const TrainingSummary other = train("other", 5);
  for (std::size_t epoch = 0; epoch <= 2; ++epoch)
  {
    EXPECT_TRUE(sameState(first.Epochs[epoch].Checkpoint, second.Epochs[epoch].Checkpoint))
      << "epoch " << epoch;
    EXPECT_EQ(first.Epochs[epoch].TestLoss, second.Epochs[epoch].TestLoss);
  }
  EXPECT_TRUE(sameState(first.Epochs[0].Checkpoint, other.Epochs[0].Checkpoint));
  EXPECT_FALSE(sameState(first.Epochs[1].Checkpoint, other.Epochs[1].Checkpoint));

  // Training mode really ran: BatchNorm's running statistics moved.
  const auto initial = stateOf(first.Epochs[0].Checkpoint);
  const auto trained = stateOf(first.Epochs[2].Checkpoint);
  EXPECT_FALSE(torch::equal(initial.at("buffer features.1.running_mean"),
                            trained.at("buffer features.1.running_mean")));
}

// The VGG-style net has dropout; trained in channels-last order as the case study does.
TEST_F(TrainerTest, DropoutAndChannelsLastAreReproducibleToo)
{
  const auto train = [&](const std::string& folder)
  {
    TrainingOptions options = this->shortRun(folder, 1);
    options.Seed = 11;
    options.LearningRate = 0.01;
    options.ChannelsLast = true;
    Trainer trainer(model("vgg_scripted.pt"), options);
    return trainer.run(squaresDataset(48, 3, 32, 1), squaresDataset(16, 3, 32, 2));
  };
  const TrainingSummary first = train("first");
  const TrainingSummary second = train("second");
  EXPECT_TRUE(sameState(first.Epochs[1].Checkpoint, second.Epochs[1].Checkpoint));
  EXPECT_EQ(first.Epochs[1].TrainLoss, second.Epochs[1].TrainLoss);
  EXPECT_TRUE(sameState(model("vgg_scripted.pt"), first.Epochs[0].Checkpoint));
  // Saved in the usual order, whatever order training used.
  for (const auto& [name, tensor] : stateOf(first.Epochs[1].Checkpoint))
  {
    EXPECT_TRUE(tensor.is_contiguous()) << name;
  }
  EXPECT_EQ(metadataOf(first.Epochs[1].Checkpoint)["training"]["memory_format"], "channels_last");
}

// What an in-situ probe does every step (InSitu/): run the module in evaluation mode
// without gradients. The trainer restores training mode, so the numbers do not change.
TEST_F(TrainerTest, StepCallbacksSeeEveryStepAndLeaveTrainingUnchanged)
{
  const Dataset train = mnistLike(100, 1);
  const Dataset test = mnistLike(40, 2);
  TrainingOptions options = this->shortRun("probed");
  Trainer probed(model("lenet5bn_scripted.pt"), options);
  std::vector<std::size_t> steps;
  std::vector<std::size_t> epochs;
  probed.addStepCallback(
    [&](const StepInfo& info, Trainer& trainer)
    {
      steps.push_back(info.Step);
      EXPECT_EQ(info.TotalSteps, 8u);
      EXPECT_EQ(info.BatchesPerEpoch, 4u);
      EXPECT_EQ(info.BatchSamples, info.Batch == 4 ? 4u : 32u);
      EXPECT_GT(info.LearningRate, 0.0);
      torch::jit::Module& module = trainedModule(trainer);
      EXPECT_TRUE(module.is_training());
      torch::NoGradGuard noGradients;
      module.eval();
      const torch::Tensor logits = module.forward({ torch::zeros({ 3, 1, 28, 28 }) }).toTensor();
      EXPECT_EQ(logits.size(1), 10);
    });
  probed.addEpochCallback([&](const EpochResult& result, Trainer&)
                          { epochs.push_back(result.Epoch); });
  const TrainingSummary withProbe = probed.run(train, test);
  EXPECT_EQ(steps, (std::vector<std::size_t>{ 1, 2, 3, 4, 5, 6, 7, 8 }));
  EXPECT_EQ(epochs, (std::vector<std::size_t>{ 0, 1, 2 }));

  options.OutputDirectory = (this->Folder / "plain").string();
  Trainer plain(model("lenet5bn_scripted.pt"), options);
  const TrainingSummary without = plain.run(train, test);
  EXPECT_TRUE(sameState(withProbe.Epochs[2].Checkpoint, without.Epochs[2].Checkpoint));
}

TEST_F(TrainerTest, RequestStopEndsAfterTheBatchAndKeepsFinishedEpochs)
{
  TrainingOptions options = this->shortRun("stopped", 5);
  Trainer trainer(model("lenet5_scripted.pt"), options);
  trainer.addStepCallback(
    [](const StepInfo& info, Trainer& self)
    {
      if (info.Epoch == 2 && info.Batch == 2)
      {
        self.requestStop();
      }
    });
  const TrainingSummary summary = trainer.run(mnistLike(128, 1), mnistLike(32, 2));
  EXPECT_TRUE(summary.Interrupted);
  EXPECT_EQ(summary.Steps, 4u + 2u);
  ASSERT_EQ(summary.Epochs.size(), 2u);
  EXPECT_TRUE(fs::is_regular_file(trainer.checkpointPath(1)));
  EXPECT_FALSE(fs::exists(trainer.checkpointPath(2)));
  EXPECT_EQ(lineCount(summary.HistoryFile), 3u);
  for (const auto& entry : fs::directory_iterator(this->Folder / "stopped"))
  {
    EXPECT_NE(entry.path().extension(), ".partial") << entry.path();
  }
}

TEST_F(TrainerTest, AnEarlierRunIsKeptUnlessOverwriteIsAsked)
{
  TrainingOptions options = this->shortRun("run", 3);
  Trainer(model("lenet5_scripted.pt"), options).run(mnistLike(64, 1), mnistLike(16, 2));
  const std::string message =
    this->trainingError(model("lenet5_scripted.pt"), mnistLike(64, 1), mnistLike(16, 2), options);
  EXPECT_NE(message.find("lenet5_epoch_0"), std::string::npos) << message;
  EXPECT_NE(message.find("is from an earlier run"), std::string::npos) << message;
  EXPECT_NE(message.find("--overwrite"), std::string::npos) << message;

  options.Overwrite = true;
  options.Epochs = 1;
  Trainer trainer(model("lenet5_scripted.pt"), options);
  trainer.run(mnistLike(64, 1), mnistLike(16, 2));
  EXPECT_TRUE(fs::exists(trainer.checkpointPath(1)));
  EXPECT_FALSE(fs::exists(this->Folder / "run" / "lenet5_epoch_03.pt"));
}

TEST_F(TrainerTest, AModelWithoutMetadataGetsTheDataShapeInItsCheckpoints)
{
  const std::string bare = (this->Folder / "bare.pt").string();
  torch::jit::load(model("lenet5_scripted.pt")).save(bare);
  TrainingOptions options = this->shortRun("bare", 1);
  Trainer trainer(bare, options);
  std::vector<std::string> notes;
  trainer.setMessageSink([&](const std::string& note) { notes.push_back(note); });
  const TrainingSummary summary = trainer.run(mnistLike(64, 1), mnistLike(16, 2));
  EXPECT_TRUE(summary.Epochs[1].Checkpoint.find("bare_epoch_01.pt") != std::string::npos);
  const nlohmann::json meta = metadataOf(summary.Epochs[1].Checkpoint);
  EXPECT_EQ(meta["input_shape"], nlohmann::json({ 1, 28, 28 }));
  EXPECT_FALSE(meta.contains("mean"));
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("has no cnnslicer.json"), std::string::npos) << notes[0];
  EXPECT_EQ(meta["epoch"], 1);
}

TEST_F(TrainerTest, ATracedModelWithoutBatchNormOrDropoutTrains)
{
  Trainer trainer(model("lenet5_traced.pt"), this->shortRun("traced", 1));
  const TrainingSummary summary = trainer.run(mnistLike(64, 1), mnistLike(16, 2));
  EXPECT_FALSE(sameState(summary.Epochs[0].Checkpoint, summary.Epochs[1].Checkpoint));
}

TEST_F(TrainerTest, ModelsThatCannotTrainAreRefusedWithTheFix)
{
  const TrainingOptions options = this->shortRun("refused", 1);
  const auto loadError = [&](const std::string& path) -> std::string
  {
    try
    {
      Trainer trainer(path, options);
    }
    catch (const TrainingError& error)
    {
      return error.what();
    }
    return "";
  };
  const std::string text = (this->Folder / "notes.pt").string();
  std::ofstream(text) << "not a model\n";
  std::string message = loadError(text);
  // The archive check refuses it before LibTorch reads it, as the reader does.
  EXPECT_NE(message.find("is not a TorchScript archive (zip)"), std::string::npos) << message;
  EXPECT_NE(message.find("torch.jit.save"), std::string::npos) << message;

  // A zip with data.pkl and code/ whose pickle is the number 42: LibTorch's internal
  // assertion, reworded.
  message = loadError(model("unrunnable/pickle_not_module.pt"));
  EXPECT_NE(message.find("its data.pkl holds a value of type Int, not a module"), std::string::npos)
    << message;

  message = loadError((this->Folder / "missing.pt").string());
  EXPECT_NE(message.find("does not exist"), std::string::npos) << message;

  message = loadError(model("lenet5_scripted_frozen.pt"));
  EXPECT_NE(message.find("no trainable parameters"), std::string::npos) << message;

  message = loadError(model("lenet5bn_traced.pt"));
  EXPECT_NE(message.find("4 x aten::batch_norm"), std::string::npos) << message;
  EXPECT_NE(message.find("--mode scripted"), std::string::npos) << message;
  message = loadError(model("vgg_traced.pt"));
  EXPECT_NE(message.find("aten::dropout"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

TEST_F(TrainerTest, DataThatDoesNotFitTheModelIsRefused)
{
  const TrainingOptions options = this->shortRun("refused", 1);
  const std::string lenet = model("lenet5_scripted.pt");

  std::string message =
    this->trainingError(lenet, squaresDataset(20, 3, 32, 1), squaresDataset(20, 3, 32, 2), options);
  EXPECT_NE(message.find("3 x 32 x 32"), std::string::npos) << message;
  EXPECT_NE(message.find("1 x 28 x 28"), std::string::npos) << message;

  Dataset manyClasses = mnistLike(20, 1);
  manyClasses.Labels[3] = 12;
  message = this->trainingError(lenet, manyClasses, mnistLike(20, 2), options);
  EXPECT_NE(message.find("has label 12 but the model scores 10 classes"), std::string::npos)
    << message;

  Dataset unlabelled = mnistLike(20, 1);
  unlabelled.Labels.clear();
  message = this->trainingError(lenet, mnistLike(20, 2), unlabelled, options);
  EXPECT_NE(message.find("has no labels"), std::string::npos) << message;

  Dataset partly = mnistLike(20, 1);
  partly.Labels[0] = -1;
  message = this->trainingError(lenet, partly, mnistLike(20, 2), options);
  EXPECT_NE(message.find("1 samples have no label"), std::string::npos) << message;

  message = this->trainingError(lenet, mnistLike(20, 1), squaresDataset(20, 1, 32, 2), options);
  EXPECT_NE(message.find("test images are 1 x 32 x 32 but training images are 1 x 28 x 28"),
            std::string::npos)
    << message;

  message = this->trainingError(lenet, mnistLike(0, 1), mnistLike(20, 2), options);
  EXPECT_NE(message.find("has no samples"), std::string::npos) << message;

  // Without metadata the shape check falls to the model's first layers.
  const std::string bare = (this->Folder / "bare.pt").string();
  torch::jit::load(lenet).save(bare);
  message =
    this->trainingError(bare, squaresDataset(20, 3, 32, 1), squaresDataset(20, 3, 32, 2), options);
  EXPECT_NE(message.find("the model '" + bare + "' fails on 3 x 32 x 32"), std::string::npos)
    << message;
  EXPECT_NE(message.find("train it on data of the shape it was built for"), std::string::npos)
    << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;

  // Nothing was written for a run that could not start.
  EXPECT_FALSE(fs::exists(this->Folder / "refused" / "lenet5_epoch_00.pt"));
}

TEST_F(TrainerTest, DivergenceStopsWithAMessageAndKeepsEarlierCheckpoints)
{
  TrainingOptions options = this->shortRun("diverged", 2);
  options.LearningRate = 1e12;
  Trainer trainer(model("lenet5_scripted.pt"), options);
  try
  {
    trainer.run(mnistLike(64, 1), mnistLike(16, 2));
    FAIL() << "a learning rate of 1e12 did not diverge";
  }
  catch (const TrainingError& error)
  {
    const std::string message = error.what();
    EXPECT_NE(message.find("training diverged"), std::string::npos) << message;
    EXPECT_NE(message.find("lower --lr"), std::string::npos) << message;
  }
  EXPECT_TRUE(fs::exists(trainer.checkpointPath(0)));
}

// Models whose forward is not "one image batch in, N x K logits out".
TEST_F(TrainerTest, ModelsWithoutAClassifierInterfaceAreRefused)
{
  const TrainingOptions options = this->shortRun("interface", 1);
  const Dataset train = mnistLike(64, 1);
  const Dataset test = mnistLike(16, 2);

  std::string path = this->scriptedModel("predict.pt",
                                         "def predict(self, x):\n"
                                         "    return x * self.w\n");
  std::string message = this->trainingError(path, train, test, options);
  EXPECT_NE(message.find("'" + path + "' has no forward method to train"), std::string::npos)
    << message;

  path = this->scriptedModel("pair.pt",
                             "def forward(self, x, y):\n"
                             "    return x * self.w\n");
  message = this->trainingError(path, train, test, options);
  EXPECT_NE(message.find("the forward method of '" + path + "' takes 2 inputs"), std::string::npos)
    << message;

  path = this->scriptedModel("tuple.pt",
                             "def forward(self, x):\n"
                             "    return (x * self.w, x)\n");
  message = this->trainingError(path, train, test, options);
  EXPECT_NE(message.find("the model returns Tuple, not a tensor of class scores"),
            std::string::npos)
    << message;

  path = this->scriptedModel("sums.pt",
                             "def forward(self, x):\n"
                             "    return x.flatten(1).sum(1) * self.w\n");
  message = this->trainingError(path, train, test, options);
  EXPECT_NE(message.find("the model '" + path + "' returns a tensor of shape [2] for 2 images"),
            std::string::npos)
    << message;

  // Evaluation mode works (the check before training passes); training mode drops rows.
  path = this->scriptedModel("training.pt",
                             "def forward(self, x):\n"
                             "    y = x.flatten(1)[:, :10] * self.w\n"
                             "    if self.training:\n"
                             "        return y[:1]\n"
                             "    return y\n");
  message = this->trainingError(path, train, test, options);
  EXPECT_NE(message.find("the model '" + path +
                         "' failed in training mode (epoch 1, batch 1 of 32 samples)"),
            std::string::npos)
    << message;
  EXPECT_NE(message.find("check that it trains in PyTorch with this batch size"), std::string::npos)
    << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;

  // An operation that fails inside the model in training mode only.
  path = this->scriptedModel("mismatch.pt",
                             "def forward(self, x):\n"
                             "    y = x.flatten(1)[:, :10] * self.w\n"
                             "    if self.training:\n"
                             "        return torch.mm(y, y)\n"
                             "    return y\n");
  message = this->trainingError(path, train, test, options);
  EXPECT_NE(message.find("the model '" + path + "' failed in training mode (epoch 1, batch 1"),
            std::string::npos)
    << message;
  EXPECT_NE(message.find("cannot be multiplied"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

TEST_F(TrainerTest, OutputThatCannotBeWrittenIsReported)
{
  const std::string lenet = model("lenet5_scripted.pt");
  const Dataset train = mnistLike(64, 1);
  const Dataset test = mnistLike(16, 2);

  // A folder below a regular file cannot be created, not even by root.
  const fs::path file = this->Folder / "file";
  std::ofstream(file) << "a file\n";
  TrainingOptions options = this->shortRun("unused", 1);
  options.OutputDirectory = (file / "sub").string();
  std::string message = this->trainingError(lenet, train, test, options);
  EXPECT_NE(message.find("cannot create the output folder '" + options.OutputDirectory + "'"),
            std::string::npos)
    << message;
  EXPECT_NE(message.find("choose a writable --out folder"), std::string::npos) << message;

  // A folder in which no file can be created: /proc/self on Linux.
  if (fs::is_directory("/proc/self"))
  {
    options.OutputDirectory = "/proc/self";
    message = this->trainingError(lenet, train, test, options);
    EXPECT_NE(message.find("cannot write '/proc/self/lenet5_history.csv'"), std::string::npos)
      << message;
  }

  // A folder in place of the partial checkpoint of epoch 0.
  options = this->shortRun("partial", 1);
  fs::create_directories(this->Folder / "partial" / "lenet5_epoch_00.pt.partial");
  message = this->trainingError(lenet, train, test, options);
  EXPECT_NE(message.find("cannot write '" +
                         (this->Folder / "partial" / "lenet5_epoch_00.pt.partial").string() + "'"),
            std::string::npos)
    << message;
  EXPECT_NE(message.find("check that the output folder is writable"), std::string::npos) << message;

  // A folder that appears during training where the checkpoint of epoch 1 goes.
  options = this->shortRun("renamed", 1);
  Trainer trainer(lenet, options);
  trainer.addStepCallback(
    [](const StepInfo& info, Trainer& self)
    {
      if (info.Step == 1)
      {
        fs::create_directories(fs::path(self.checkpointPath(1)) / "occupied");
      }
    });
  try
  {
    trainer.run(train, test);
    ADD_FAILURE() << "a checkpoint replaced a folder";
  }
  catch (const TrainingError& error)
  {
    message = error.what();
    EXPECT_NE(message.find("cannot rename '" + trainer.checkpointPath(1) + ".partial' to '" +
                           trainer.checkpointPath(1) + "'"),
              std::string::npos)
      << message;
  }
}
