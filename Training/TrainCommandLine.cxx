#include "TrainCommandLine.h"

#include "DatasetError.h"
#include "DatasetLoader.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <numeric>
#include <optional>
#include <sstream>
#include <thread>

namespace cnnslicer
{

namespace
{

constexpr std::size_t OpenEnd = std::numeric_limits<std::size_t>::max();

std::size_t parseCount(const std::string& text, const std::string& option)
{
  std::size_t used = 0;
  unsigned long long value = 0;
  try
  {
    value = std::stoull(text, &used);
  }
  catch (const std::exception&)
  {
    used = 0;
  }
  if (text.empty() || used != text.size() || text[0] == '-' || text[0] == '+')
  {
    throw UsageError(option + " needs a whole number, not '" + text + "'");
  }
  return static_cast<std::size_t>(value);
}

double parseReal(const std::string& text, const std::string& option)
{
  std::size_t used = 0;
  double value = 0.0;
  try
  {
    value = std::stod(text, &used);
  }
  catch (const std::exception&)
  {
    used = 0;
  }
  if (text.empty() || used != text.size() || !std::isfinite(value))
  {
    throw UsageError(option + " needs a number, not '" + text + "'");
  }
  return value;
}

std::vector<float> parseReals(const std::string& text, const std::string& option)
{
  std::vector<float> values;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ','))
  {
    values.push_back(static_cast<float>(parseReal(item, option)));
  }
  if (values.empty())
  {
    throw UsageError(option + " needs one number or one per channel, comma-separated");
  }
  return values;
}

/// The split name a loader understands, for messages ("" is the loader's default).
std::string describeSplit(const std::string& split)
{
  return split.empty() ? "default split" : "split '" + split + "'";
}

/// Samples @p range of @p dataset, with the range in its Source.
Dataset selectRange(const Dataset& dataset,
                    const SampleRange& range,
                    const std::string& option,
                    const std::string& split)
{
  const std::size_t end = range.End == OpenEnd ? dataset.NumberOfSamples : range.End;
  if (end > dataset.NumberOfSamples || range.First >= end)
  {
    throw UsageError(
      option + " " + range.toString() + " does not fit the " +
      std::to_string(dataset.NumberOfSamples) + " samples of " + dataset.Source +
      "; give a non-empty range within 0:" + std::to_string(dataset.NumberOfSamples));
  }
  std::vector<std::size_t> indices(end - range.First);
  std::iota(indices.begin(), indices.end(), range.First);
  Dataset result =
    range.First == 0 && end == dataset.NumberOfSamples ? dataset : dataset.subset(indices);
  result.Source = dataset.Source + " (" + describeSplit(split) + ", samples " +
                  std::to_string(range.First) + ":" + std::to_string(end) + ")";
  return result;
}

} // namespace

std::string SampleRange::toString() const
{
  return std::to_string(First) + ":" + (End == OpenEnd ? std::string() : std::to_string(End));
}

SampleRange parseSampleRange(const std::string& text, const std::string& option)
{
  const std::size_t colon = text.find(':');
  if (colon == std::string::npos)
  {
    throw UsageError(option + " needs a range FIRST:END (e.g. 0:8000, 8000: or :500), not '" +
                     text + "'");
  }
  SampleRange range;
  const std::string first = text.substr(0, colon);
  const std::string end = text.substr(colon + 1);
  range.First = first.empty() ? 0 : parseCount(first, option);
  range.End = end.empty() ? OpenEnd : parseCount(end, option);
  if (range.End <= range.First)
  {
    throw UsageError(option + " " + text + " is empty; give FIRST:END with END > FIRST");
  }
  return range;
}

int defaultThreadCount()
{
  if (const char* text = std::getenv("OMP_NUM_THREADS"))
  {
    char* end = nullptr;
    errno = 0;
    const long value = std::strtol(text, &end, 10);
    if (errno == 0 && end != text && *end == '\0' && value > 0 && value < 4096)
    {
      return static_cast<int>(value);
    }
  }
  const unsigned cores = std::thread::hardware_concurrency();
  return cores > 0 ? static_cast<int>(cores) : 1;
}

std::string trainUsage()
{
  return R"(usage: cnnslicer-train MODEL.pt --data PATH [options]

Trains a TorchScript classifier (exported by Examples/Models/export_models.py, scripted)
on labelled images and writes OUT/NAME_epoch_NN.pt after every epoch (epoch 00 = the
initial weights) and OUT/NAME_history.csv. Ctrl-C stops after the current batch and keeps
the checkpoints written so far.

Data:
  --data PATH            IDX folder or file (plain or .gz), CIFAR-10 binary folder or
                         .bin batch, or .npy images (with --labels)
  --labels PATH          labels file when it is not found by name (IDX, NumPy)
  --train-split NAME     split to train on (default: train); an IDX prefix such as
                         mnist10k also works
  --test-split NAME      split to test on (default: test)
  --split-at N           train on samples 0:N and test on N: of one split (both splits
                         default to the folder's only one, or test)
  --train-samples A:B    train on samples A..B-1 of the training split (default: all)
  --test-samples A:B     test on samples A..B-1 of the test split (default: all)
  --mean V[,V,V]         normalization mean per channel (default: the model's
                         cnnslicer.json)
  --std V[,V,V]          normalization standard deviation per channel

Output:
  --out DIR              folder of the checkpoints and history (default: .)
  --name NAME            file name prefix (default: the model's architecture)
  --overwrite            replace the files of an earlier run with the same name

Training:
  --epochs N             (default: 10)
  --batch-size N         (default: 128)
  --eval-batch-size N    test batch size (default: 1000)
  --optimizer sgd|adam   (default: sgd)
  --lr X                 peak learning rate (default: 0.05 for sgd, 0.001 for adam)
  --schedule constant|cosine|onecycle
                         learning rate over the steps (default: constant); cosine decays
                         to 0, onecycle is PyTorch's OneCycleLR (cos, no momentum cycling)
  --warmup F             fraction of the steps spent warming up (default: 0; onecycle:
                         0.3, the rising half of the cycle)
  --momentum M           SGD momentum (default: 0.9)
  --nesterov             Nesterov momentum (SGD)
  --weight-decay W       L2 weight decay (default: 0)
  --augment none|flip|crop-flip
                         training augmentation (default: none); crop-flip = random crop
                         with --crop-padding black pixels + horizontal flip
  --crop-padding N       (default: 4)
  --channels-last        convolution weights and batches in NHWC memory order while
                         training (about 20% faster for the VGG-style net on 2 cores;
                         checkpoints are saved in the usual order either way)
  --seed N               seeds dropout, sample order and augmentation (default: 0)
  --threads N            LibTorch threads (default: OMP_NUM_THREADS, else all cores);
                         results are reproducible for the same seed and thread count

Terminal:
  --progress-seconds S   seconds between progress lines (default: 5; 0: every batch)
  --quiet                only the epoch lines
  -h, --help             this text
)";
}

TrainCommand parseTrainCommandLine(const std::vector<std::string>& arguments)
{
  TrainCommand command;
  command.Training.Threads = defaultThreadCount();
  std::optional<std::string> trainSplit;
  std::optional<std::string> testSplit;
  std::optional<std::size_t> splitAt;
  std::optional<double> learningRate;
  std::optional<double> warmup;
  bool trainRangeGiven = false;
  bool testRangeGiven = false;

  for (std::size_t i = 0; i < arguments.size(); ++i)
  {
    std::string option = arguments[i];
    std::optional<std::string> inlineValue;
    if (option.rfind("--", 0) == 0 && option.find('=') != std::string::npos)
    {
      inlineValue = option.substr(option.find('=') + 1);
      option = option.substr(0, option.find('='));
    }
    const auto value = [&]() -> std::string
    {
      if (inlineValue)
      {
        return *inlineValue;
      }
      if (i + 1 >= arguments.size())
      {
        throw UsageError(option + " needs a value; see cnnslicer-train --help");
      }
      return arguments[++i];
    };
    const auto flag = [&]()
    {
      if (inlineValue)
      {
        throw UsageError(option + " takes no value");
      }
    };

    if (option == "-h" || option == "--help")
    {
      command.Help = true;
      return command;
    }
    else if (option == "--data")
      command.DataPath = value();
    else if (option == "--labels")
      command.LabelsPath = value();
    else if (option == "--train-split")
      trainSplit = value();
    else if (option == "--test-split")
      testSplit = value();
    else if (option == "--split-at")
      splitAt = parseCount(value(), option);
    else if (option == "--train-samples")
    {
      command.TrainSamples = parseSampleRange(value(), option);
      trainRangeGiven = true;
    }
    else if (option == "--test-samples")
    {
      command.TestSamples = parseSampleRange(value(), option);
      testRangeGiven = true;
    }
    else if (option == "--mean")
      command.Training.Preprocessing.Mean = parseReals(value(), option);
    else if (option == "--std")
      command.Training.Preprocessing.Std = parseReals(value(), option);
    else if (option == "--out")
      command.Training.OutputDirectory = value();
    else if (option == "--name")
      command.Training.Name = value();
    else if (option == "--overwrite")
    {
      flag();
      command.Training.Overwrite = true;
    }
    else if (option == "--epochs")
      command.Training.Epochs = parseCount(value(), option);
    else if (option == "--batch-size")
      command.Training.BatchSize = parseCount(value(), option);
    else if (option == "--eval-batch-size")
      command.Training.EvaluationBatchSize = parseCount(value(), option);
    else if (option == "--optimizer")
    {
      const std::string name = value();
      if (!parseOptimizer(name, command.Training.Optimizer))
      {
        throw UsageError("--optimizer " + name + " is unknown; choose sgd or adam");
      }
    }
    else if (option == "--lr")
      learningRate = parseReal(value(), option);
    else if (option == "--schedule")
    {
      const std::string name = value();
      if (!parseLearningRateSchedule(name, command.Training.Schedule))
      {
        throw UsageError("--schedule " + name + " is unknown; choose constant, cosine or onecycle");
      }
    }
    else if (option == "--warmup")
      warmup = parseReal(value(), option);
    else if (option == "--momentum")
      command.Training.Momentum = parseReal(value(), option);
    else if (option == "--nesterov")
    {
      flag();
      command.Training.Nesterov = true;
    }
    else if (option == "--weight-decay")
      command.Training.WeightDecay = parseReal(value(), option);
    else if (option == "--augment")
    {
      const std::string name = value();
      if (!parseAugmentation(name, command.Training.Augmentation))
      {
        throw UsageError("--augment " + name + " is unknown; choose none, flip or crop-flip");
      }
    }
    else if (option == "--crop-padding")
      command.Training.CropPadding = parseCount(value(), option);
    else if (option == "--channels-last")
    {
      flag();
      command.Training.ChannelsLast = true;
    }
    else if (option == "--seed")
      command.Training.Seed = parseCount(value(), option);
    else if (option == "--threads")
    {
      const std::size_t threads = parseCount(value(), option);
      if (threads == 0 || threads > 4096)
      {
        throw UsageError("--threads needs a count from 1 to 4096");
      }
      command.Training.Threads = static_cast<int>(threads);
    }
    else if (option == "--progress-seconds")
      command.ProgressSeconds = parseReal(value(), option);
    else if (option == "--quiet")
    {
      flag();
      command.Quiet = true;
    }
    else if (option.size() > 1 && option[0] == '-')
      throw UsageError("unknown option " + option + "; see cnnslicer-train --help");
    else if (command.ModelPath.empty())
      command.ModelPath = option;
    else
      throw UsageError("more than one model given ('" + command.ModelPath + "' and '" + option +
                       "'); train one model per command");
  }

  if (command.ModelPath.empty())
  {
    throw UsageError("no model given; usage: cnnslicer-train MODEL.pt --data PATH [options]");
  }
  if (command.DataPath.empty())
  {
    throw UsageError("no dataset given; add --data PATH (an IDX or CIFAR-10 folder)");
  }
  if (command.Training.Epochs == 0)
  {
    throw UsageError("--epochs 0 trains nothing; give at least 1");
  }
  if (splitAt)
  {
    if (trainRangeGiven || testRangeGiven)
    {
      throw UsageError(
        "--split-at cannot be combined with --train-samples or --test-samples; use one or the "
        "other");
    }
    if (*splitAt == 0)
    {
      throw UsageError("--split-at 0 leaves no training samples; give the first test index");
    }
    command.TrainSamples = SampleRange{ 0, *splitAt };
    command.TestSamples = SampleRange{ *splitAt, OpenEnd };
  }
  command.TrainSplit = trainSplit.value_or(splitAt ? "" : "train");
  command.TestSplit = testSplit.value_or(splitAt ? command.TrainSplit : "test");
  command.Training.LearningRate =
    learningRate.value_or(command.Training.Optimizer == OptimizerKind::Adam ? 0.001 : 0.05);
  command.Training.WarmupFraction =
    warmup.value_or(command.Training.Schedule == LearningRateScheduleKind::OneCycle ? 0.3 : 0.0);
  if (command.ProgressSeconds < 0.0)
  {
    throw UsageError("--progress-seconds needs 0 or a positive number");
  }
  try
  {
    validateTrainingOptions(command.Training);
  }
  catch (const TrainingError& error)
  {
    throw UsageError(error.what());
  }
  return command;
}

std::pair<Dataset, Dataset> loadTrainingData(const TrainCommand& command)
{
  DatasetRequest request;
  request.Path = command.DataPath;
  request.LabelsPath = command.LabelsPath;
  request.Split = command.TrainSplit;
  const Dataset trainSplit = loadDataset(request);
  const bool sameSplit = command.TestSplit == command.TrainSplit;
  Dataset testSplitStorage;
  if (!sameSplit)
  {
    request.Split = command.TestSplit;
    testSplitStorage = loadDataset(request);
  }
  const Dataset& testSplit = sameSplit ? trainSplit : testSplitStorage;

  if (trainSplit.Source == testSplit.Source)
  {
    // The same files for both: the ranges must not share a sample, else the test accuracy
    // measures memorization.
    const std::size_t trainEnd = std::min(command.TrainSamples.End, trainSplit.NumberOfSamples);
    const std::size_t testEnd = std::min(command.TestSamples.End, trainSplit.NumberOfSamples);
    if (command.TrainSamples.First < testEnd && command.TestSamples.First < trainEnd)
    {
      throw UsageError("training samples " + command.TrainSamples.toString() +
                       " and test samples " + command.TestSamples.toString() + " of " +
                       trainSplit.Source + " overlap; give disjoint --train-samples and " +
                       "--test-samples, or --split-at N");
    }
  }
  return { selectRange(trainSplit, command.TrainSamples, "--train-samples", command.TrainSplit),
           selectRange(testSplit, command.TestSamples, "--test-samples", command.TestSplit) };
}

} // namespace cnnslicer
