// The LibTorch-free parts of the training program: learning-rate schedules, seeded
// shuffling and augmentation, the command line and the selection of training data.
#include "BatchAugmentation.h"
#include "DatasetError.h"
#include "LearningRateSchedule.h"
#include "TrainCommandLine.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <numeric>
#include <set>

using namespace cnnslicer;

namespace
{

constexpr double Pi = 3.14159265358979323846;

std::string testData()
{
  const char* path = std::getenv("CNNSLICER_TEST_DATA");
  return path ? path : "";
}

TrainCommand parse(std::vector<std::string> arguments)
{
  return parseTrainCommandLine(arguments);
}

/// Message of the UsageError that parsing @p arguments throws ("" when none is thrown).
std::string usageError(std::vector<std::string> arguments)
{
  try
  {
    parseTrainCommandLine(arguments);
  }
  catch (const UsageError& error)
  {
    return error.what();
  }
  return "";
}

} // namespace

TEST(LearningRateSchedule, ConstantWithLinearWarmup)
{
  LearningRateSchedule schedule;
  schedule.PeakRate = 0.1;
  schedule.TotalSteps = 100;
  EXPECT_DOUBLE_EQ(schedule.rateAt(0), 0.1);
  EXPECT_DOUBLE_EQ(schedule.rateAt(99), 0.1);

  schedule.WarmupFraction = 0.1;
  EXPECT_DOUBLE_EQ(schedule.rateAt(0), 0.1 / 25);
  EXPECT_DOUBLE_EQ(schedule.rateAt(5), 0.1 / 25 + (0.1 - 0.1 / 25) * 0.5);
  EXPECT_DOUBLE_EQ(schedule.rateAt(10), 0.1);
  EXPECT_DOUBLE_EQ(schedule.rateAt(60), 0.1);
}

TEST(LearningRateSchedule, CosineHalvesAtTheMiddleAndEndsNearZero)
{
  LearningRateSchedule schedule;
  schedule.Kind = LearningRateScheduleKind::Cosine;
  schedule.PeakRate = 0.2;
  schedule.TotalSteps = 1000;
  EXPECT_DOUBLE_EQ(schedule.rateAt(0), 0.2);
  EXPECT_NEAR(schedule.rateAt(500), 0.1, 1e-12);
  EXPECT_NEAR(schedule.rateAt(999), 0.1 * (1 + std::cos(Pi * 999 / 1000)), 1e-15);
  for (std::size_t step = 1; step < 1000; ++step)
  {
    EXPECT_LT(schedule.rateAt(step), schedule.rateAt(step - 1));
  }
}

// PyTorch's OneCycleLR(max_lr, total_steps, pct_start) with its defaults: cosine from
// max/25 to max at step pct*total - 1, then cosine to max/25/1e4 at the last step.
TEST(LearningRateSchedule, OneCycleFollowsPyTorchsPhases)
{
  LearningRateSchedule schedule;
  schedule.Kind = LearningRateScheduleKind::OneCycle;
  schedule.PeakRate = 0.4;
  schedule.WarmupFraction = 0.3;
  schedule.TotalSteps = 101;
  const double initial = 0.4 / 25;
  const double riseEnd = 0.3 * 101 - 1;
  EXPECT_DOUBLE_EQ(schedule.rateAt(0), initial);
  EXPECT_NEAR(schedule.rateAt(100), initial / 1e4, 1e-15);
  const auto rising = [&](double step)
  { return 0.4 + (initial - 0.4) / 2 * (std::cos(Pi * step / riseEnd) + 1); };
  const auto falling = [&](double step)
  {
    return initial / 1e4 +
           (0.4 - initial / 1e4) / 2 * (std::cos(Pi * (step - riseEnd) / (100 - riseEnd)) + 1);
  };
  EXPECT_NEAR(schedule.rateAt(15), rising(15), 1e-15);
  EXPECT_NEAR(schedule.rateAt(29), rising(29), 1e-15);
  EXPECT_NEAR(schedule.rateAt(30), falling(30), 1e-15);
  EXPECT_NEAR(schedule.rateAt(70), falling(70), 1e-15);
  // torch.optim.lr_scheduler.OneCycleLR(SGD(lr=0.4), max_lr=0.4, total_steps=101,
  // pct_start=0.3, cycle_momentum=False) in PyTorch 1.13 gives these rates.
  const std::vector<std::pair<std::size_t, double>> pytorch{
    { 0, 0.016000000000000014 }, { 15, 0.21520359989684032 }, { 29, 0.3999006790647445 },
    { 30, 0.3999032568453718 },  { 70, 0.1529015460008487 },  { 100, 1.6e-06 }
  };
  for (const auto& [step, rate] : pytorch)
  {
    EXPECT_NEAR(schedule.rateAt(step), rate, 1e-15) << "step " << step;
  }
}

TEST(LearningRateSchedule, NamesRoundTrip)
{
  for (const auto kind : { LearningRateScheduleKind::Constant,
                           LearningRateScheduleKind::Cosine,
                           LearningRateScheduleKind::OneCycle })
  {
    LearningRateScheduleKind parsed = LearningRateScheduleKind::Constant;
    ASSERT_TRUE(parseLearningRateSchedule(learningRateScheduleName(kind), parsed));
    EXPECT_EQ(parsed, kind);
  }
  LearningRateScheduleKind parsed;
  EXPECT_FALSE(parseLearningRateSchedule("step", parsed));
}

TEST(TrainingRandom, SameSeedSameSequenceAndUniformResidues)
{
  TrainingRandom first(7);
  TrainingRandom second(7);
  TrainingRandom other(8);
  std::vector<std::size_t> counts(5, 0);
  bool differs = false;
  for (int i = 0; i < 50000; ++i)
  {
    const std::uint64_t value = first.below(5);
    ASSERT_EQ(value, second.below(5));
    differs = differs || value != other.below(5);
    ++counts[value];
  }
  EXPECT_TRUE(differs);
  // 10,000 expected per residue; 5 standard deviations is about 450.
  for (const std::size_t count : counts)
  {
    EXPECT_NEAR(static_cast<double>(count), 10000.0, 450.0);
  }
}

TEST(TrainingRandom, ShuffleIsASeededPermutation)
{
  std::vector<std::size_t> order(1000);
  std::iota(order.begin(), order.end(), 0);
  std::vector<std::size_t> again = order;
  TrainingRandom random(3);
  TrainingRandom same(3);
  shuffleIndices(order, random);
  shuffleIndices(again, same);
  EXPECT_EQ(order, again);
  std::vector<std::size_t> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t i = 0; i < sorted.size(); ++i)
  {
    ASSERT_EQ(sorted[i], i);
  }
  std::size_t fixedPoints = 0;
  for (std::size_t i = 0; i < order.size(); ++i)
  {
    fixedPoints += order[i] == i ? 1 : 0;
  }
  // A random permutation has one fixed point on average.
  EXPECT_LT(fixedPoints, 10u);
}

namespace
{

/// Images whose every value is unique: value = sample * 1000 + channel * 100 + y * 10 + x.
std::vector<float> numberedImages(std::size_t count, std::size_t channels, std::size_t size)
{
  std::vector<float> images;
  for (std::size_t n = 0; n < count; ++n)
    for (std::size_t c = 0; c < channels; ++c)
      for (std::size_t y = 0; y < size; ++y)
        for (std::size_t x = 0; x < size; ++x)
          images.push_back(static_cast<float>(n * 1000 + c * 100 + y * 10 + x));
  return images;
}

} // namespace

TEST(BatchAugmentation, FlipMirrorsAboutHalfOfTheImages)
{
  const std::size_t count = 400;
  const std::size_t size = 6;
  std::vector<float> images = numberedImages(count, 2, size);
  const std::vector<float> original = images;
  AugmentationSettings settings;
  settings.Kind = AugmentationKind::Flip;
  TrainingRandom random(1);
  augmentBatch(images.data(), count, 2, size, size, settings, random);
  std::size_t flipped = 0;
  for (std::size_t n = 0; n < count; ++n)
  {
    const float* before = original.data() + n * 2 * size * size;
    const float* after = images.data() + n * 2 * size * size;
    const bool mirrored = after[0] == before[size - 1];
    flipped += mirrored ? 1 : 0;
    for (std::size_t c = 0; c < 2; ++c)
      for (std::size_t y = 0; y < size; ++y)
        for (std::size_t x = 0; x < size; ++x)
        {
          const std::size_t column = mirrored ? size - 1 - x : x;
          ASSERT_EQ(after[(c * size + y) * size + x], before[(c * size + y) * size + column]);
        }
  }
  EXPECT_NEAR(static_cast<double>(flipped), 200.0, 50.0);
}

// Every output is the input shifted by (dy, dx) in [-padding, padding], maybe mirrored,
// with the channel's pad value where the shift leaves the image; every shift occurs.
TEST(BatchAugmentation, CropFlipShiftsWithinThePaddingAndPadsPerChannel)
{
  const std::size_t count = 500;
  const std::size_t size = 8;
  const std::size_t channels = 3;
  std::vector<float> images = numberedImages(count, channels, size);
  const std::vector<float> original = images;
  AugmentationSettings settings;
  settings.Kind = AugmentationKind::CropFlip;
  settings.Padding = 2;
  settings.PadValues = { -1.0f, -2.0f, -3.0f };
  TrainingRandom random(5);
  augmentBatch(images.data(), count, channels, size, size, settings, random);

  std::set<std::tuple<int, int, bool>> seen;
  const int s = static_cast<int>(size);
  for (std::size_t n = 0; n < count; ++n)
  {
    const float* before = original.data() + n * channels * size * size;
    const float* after = images.data() + n * channels * size * size;
    bool matched = false;
    for (int dy = -2; dy <= 2 && !matched; ++dy)
      for (int dx = -2; dx <= 2 && !matched; ++dx)
        for (const bool flip : { false, true })
        {
          bool all = true;
          for (int c = 0; c < static_cast<int>(channels) && all; ++c)
            for (int y = 0; y < s && all; ++y)
              for (int x = 0; x < s && all; ++x)
              {
                const int sy = y + dy;
                const int sx = (flip ? s - 1 - x : x) + dx;
                const float expected = sy >= 0 && sy < s && sx >= 0 && sx < s
                                         ? before[(c * s + sy) * s + sx]
                                         : settings.PadValues[static_cast<std::size_t>(c)];
                all = after[(c * s + y) * s + x] == expected;
              }
          if (all)
          {
            matched = true;
            seen.insert({ dy, dx, flip });
            break;
          }
        }
    ASSERT_TRUE(matched) << "image " << n << " is no padded crop of its input";
  }
  EXPECT_EQ(seen.size(), 5u * 5u * 2u);

  std::vector<float> again = original;
  TrainingRandom same(5);
  augmentBatch(again.data(), count, channels, size, size, settings, same);
  EXPECT_EQ(again, images);
}

TEST(BatchAugmentation, NoneDrawsNothing)
{
  std::vector<float> images = numberedImages(3, 1, 4);
  const std::vector<float> original = images;
  TrainingRandom random(9);
  TrainingRandom untouched(9);
  augmentBatch(images.data(), 3, 1, 4, 4, AugmentationSettings{}, random);
  EXPECT_EQ(images, original);
  EXPECT_EQ(random.below(1000000), untouched.below(1000000));
}

TEST(TrainCommandLine, DefaultsAndSplitAt)
{
  const TrainCommand defaults = parse({ "m.pt", "--data", "d" });
  EXPECT_EQ(defaults.ModelPath, "m.pt");
  EXPECT_EQ(defaults.TrainSplit, "train");
  EXPECT_EQ(defaults.TestSplit, "test");
  EXPECT_TRUE(defaults.TrainSamples.isAll());
  EXPECT_EQ(defaults.Training.Optimizer, OptimizerKind::Sgd);
  EXPECT_DOUBLE_EQ(defaults.Training.LearningRate, 0.05);
  EXPECT_GE(defaults.Training.Threads, 1);

  const TrainCommand split = parse({ "--split-at", "8000", "m.pt", "--data=d" });
  EXPECT_EQ(split.TrainSplit, "");
  EXPECT_EQ(split.TestSplit, "");
  EXPECT_EQ(split.TrainSamples.First, 0u);
  EXPECT_EQ(split.TrainSamples.End, 8000u);
  EXPECT_EQ(split.TestSamples.First, 8000u);
  EXPECT_EQ(split.TestSamples.toString(), "8000:");

  const TrainCommand full = parse({ "m.pt",
                                    "--data",
                                    "d",
                                    "--optimizer",
                                    "adam",
                                    "--schedule",
                                    "onecycle",
                                    "--augment",
                                    "crop-flip",
                                    "--epochs=3",
                                    "--threads",
                                    "2",
                                    "--mean",
                                    "0.5,0.4,0.3",
                                    "--std",
                                    "0.2" });
  EXPECT_EQ(full.Training.Optimizer, OptimizerKind::Adam);
  EXPECT_DOUBLE_EQ(full.Training.LearningRate, 0.001);
  EXPECT_DOUBLE_EQ(full.Training.WarmupFraction, 0.3);
  EXPECT_EQ(full.Training.Augmentation, AugmentationKind::CropFlip);
  EXPECT_EQ(full.Training.Epochs, 3u);
  EXPECT_EQ(full.Training.Threads, 2);
  EXPECT_EQ(*full.Training.Preprocessing.Mean, (std::vector<float>{ 0.5f, 0.4f, 0.3f }));
  EXPECT_TRUE(parse({ "--help" }).Help);
}

TEST(TrainCommandLine, ThreadsDefaultToOmpNumThreads)
{
  const char* saved = std::getenv("OMP_NUM_THREADS");
  const std::string previous = saved ? saved : "";
  setenv("OMP_NUM_THREADS", "3", 1);
  EXPECT_EQ(parse({ "m.pt", "--data", "d" }).Training.Threads, 3);
  setenv("OMP_NUM_THREADS", "lots", 1);
  EXPECT_GE(parse({ "m.pt", "--data", "d" }).Training.Threads, 1);
  if (saved)
    setenv("OMP_NUM_THREADS", previous.c_str(), 1);
  else
    unsetenv("OMP_NUM_THREADS");
}

TEST(TrainCommandLine, MistakesAreUsageErrorsThatSayWhatToDo)
{
  EXPECT_NE(usageError({ "--data", "d" }).find("no model given"), std::string::npos);
  EXPECT_NE(usageError({ "m.pt" }).find("add --data PATH"), std::string::npos);
  EXPECT_NE(usageError({ "m.pt", "--data", "d", "--epoch", "3" }).find("unknown option --epoch"),
            std::string::npos);
  EXPECT_NE(usageError({ "m.pt", "--data", "d", "--epochs", "-3" }).find("whole number"),
            std::string::npos);
  EXPECT_NE(usageError({ "m.pt", "--data", "d", "--epochs", "0" }).find("at least 1"),
            std::string::npos);
  EXPECT_NE(usageError({ "m.pt", "--data", "d", "--lr", "fast" }).find("--lr needs a number"),
            std::string::npos);
  EXPECT_NE(usageError({ "m.pt", "--data", "d", "--lr", "0" }).find("not positive"),
            std::string::npos);
  EXPECT_NE(usageError({ "m.pt", "--data", "d", "--train-samples", "10" }).find("FIRST:END"),
            std::string::npos);
  EXPECT_NE(usageError({ "m.pt", "--data", "d", "--test-samples", "9:3" }).find("is empty"),
            std::string::npos);
  EXPECT_NE(usageError({ "m.pt", "--data", "d", "--split-at", "5", "--train-samples", "0:5" })
              .find("cannot be combined"),
            std::string::npos);
  EXPECT_NE(usageError({ "m.pt", "--data", "d", "--optimizer", "adam", "--nesterov" })
              .find("Nesterov momentum needs the SGD optimizer"),
            std::string::npos);
  EXPECT_NE(usageError({ "m.pt", "--data", "d", "--schedule", "step" }).find("onecycle"),
            std::string::npos);
  EXPECT_NE(usageError({ "m.pt", "--data", "d", "--warmup", "2" }).find("outside [0, 1]"),
            std::string::npos);
  EXPECT_NE(usageError({ "m.pt", "n.pt", "--data", "d" }).find("more than one model"),
            std::string::npos);
  EXPECT_NE(usageError({ "m.pt", "--data" }).find("--data needs a value"), std::string::npos);
  EXPECT_NE(usageError({ "m.pt", "--data", "d", "--name", "a/b" }).find("contains '/'"),
            std::string::npos);
}

// Each command-line message once, with the words that name the option and the fix.
TEST(TrainCommandLine, EveryUsageErrorNamesTheOptionAndTheFix)
{
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
    { { "--epochs", "x" }, "--epochs needs a whole number, not 'x'" },
    { { "--seed", "+4" }, "--seed needs a whole number, not '+4'" },
    { { "--mean", "" }, "--mean needs one number or one per channel, comma-separated" },
    { { "--std", "0.2,x" }, "--std needs a number, not 'x'" },
    { { "--train-samples", "10" }, "--train-samples needs a range FIRST:END" },
    { { "--test-samples", "9:3" }, "--test-samples 9:3 is empty; give FIRST:END with END > FIRST" },
    { { "--quiet=yes" }, "--quiet takes no value" },
    { { "--overwrite=1" }, "--overwrite takes no value" },
    { { "--optimizer", "rmsprop" }, "--optimizer rmsprop is unknown; choose sgd or adam" },
    { { "--schedule", "step" }, "--schedule step is unknown; choose constant, cosine or onecycle" },
    { { "--augment", "rotate" }, "--augment rotate is unknown; choose none, flip or crop-flip" },
    { { "--threads", "0" }, "--threads needs a count from 1 to 4096" },
    { { "--threads", "5000" }, "--threads needs a count from 1 to 4096" },
    { { "--epochs", "0" }, "--epochs 0 trains nothing; give at least 1" },
    { { "--split-at", "0" }, "--split-at 0 leaves no training samples" },
    { { "--progress-seconds", "-1" }, "--progress-seconds needs 0 or a positive number" },
    { { "--batch-size", "0" }, "the batch size is 0; give a positive batch size" },
    { { "--eval-batch-size", "0" }, "the batch size is 0; give a positive batch size" },
    { { "--lr", "-1" }, "the learning rate -1 is not positive" },
    { { "--warmup", "2" }, "the warm-up fraction 2 is outside [0, 1]" },
    { { "--momentum", "1" }, "the momentum 1 is outside [0, 1)" },
    { { "--weight-decay", "-1" }, "the weight decay -1 is negative" },
    { { "--name", "a/b" }, "the name 'a/b' contains '/'; give a file name prefix" },
  };
  for (const auto& [options, expected] : cases)
  {
    std::vector<std::string> arguments{ "m.pt", "--data", "d" };
    arguments.insert(arguments.end(), options.begin(), options.end());
    const std::string message = usageError(arguments);
    EXPECT_NE(message.find(expected), std::string::npos)
      << "options " << options.front() << ": '" << message << "'";
  }
}

// The command line allows 1 to 4096 threads; a program that fills TrainingOptions itself
// can pass a negative count, which validation refuses.
TEST(TrainingOptions, ANegativeThreadCountIsRefused)
{
  TrainingOptions options;
  options.Threads = -2;
  try
  {
    validateTrainingOptions(options);
    ADD_FAILURE() << "a negative thread count was accepted";
  }
  catch (const TrainingError& error)
  {
    EXPECT_NE(std::string(error.what()).find("the thread count -2 is negative"), std::string::npos)
      << error.what();
  }
}

TEST(TrainCommandLine, LoadsSplitsAndRangesOfTheTinyDatasets)
{
  if (testData().empty())
  {
    GTEST_SKIP() << "CNNSLICER_TEST_DATA is not set (run through ctest)";
  }
  const std::string mnist = testData() + "/data/mnist";
  auto [train, test] = loadTrainingData(parse({ "m.pt", "--data", mnist }));
  EXPECT_EQ(train.NumberOfSamples, 160u);
  EXPECT_EQ(test.NumberOfSamples, 64u);
  EXPECT_NE(train.Source.find("split 'train', samples 0:160"), std::string::npos) << train.Source;

  auto [head, tail] = loadTrainingData(
    parse({ "m.pt", "--data", mnist, "--train-split", "train", "--split-at", "100" }));
  EXPECT_EQ(head.NumberOfSamples, 100u);
  EXPECT_EQ(tail.NumberOfSamples, 60u);
  EXPECT_EQ(head.Labels[5], train.Labels[5]);
  EXPECT_EQ(tail.Labels[0], train.Labels[100]);
  EXPECT_EQ(tail.UInt8Pixels[0], train.UInt8Pixels[100 * 28 * 28]);

  const std::string cifar = testData() + "/data/cifar-10-batches-bin";
  auto [cifarTrain, cifarTest] = loadTrainingData(
    parse({ "m.pt", "--data", cifar, "--train-samples", "10:30", "--test-samples", ":8" }));
  EXPECT_EQ(cifarTrain.NumberOfSamples, 20u);
  EXPECT_EQ(cifarTest.NumberOfSamples, 8u);
  EXPECT_EQ(cifarTrain.ClassNames.size(), 10u);

  try
  {
    loadTrainingData(parse({ "m.pt",
                             "--data",
                             mnist,
                             "--train-split",
                             "train",
                             "--test-split",
                             "train",
                             "--train-samples",
                             "0:100",
                             "--test-samples",
                             "90:" }));
    ADD_FAILURE() << "overlapping ranges of one split were accepted";
  }
  catch (const UsageError& error)
  {
    EXPECT_NE(std::string(error.what()).find("overlap"), std::string::npos) << error.what();
  }
  try
  {
    loadTrainingData(parse({ "m.pt", "--data", mnist, "--train-samples", "0:5000" }));
    ADD_FAILURE() << "a range beyond the data was accepted";
  }
  catch (const UsageError& error)
  {
    EXPECT_NE(std::string(error.what()).find("within 0:160"), std::string::npos) << error.what();
  }
  EXPECT_THROW(loadTrainingData(parse({ "m.pt", "--data", mnist + "/missing" })), DatasetError);
}
