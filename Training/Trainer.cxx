// The only translation unit of the training library that includes LibTorch.
#include "Trainer.h"

#include "DatasetError.h"
#include "LibTorchMessages.h"
#include "TorchScriptArchive.h"
#include "TrainerTorch.h"

#include <ATen/Parallel.h>
#include <nlohmann/json.hpp>
#include <torch/csrc/jit/api/function_impl.h>
#include <torch/csrc/jit/ir/ir.h>
#include <torch/csrc/jit/passes/inliner.h>
#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>
#include <torch/script.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <limits>
#include <numeric>
#include <sstream>

namespace cnnslicer
{

namespace
{

namespace fs = std::filesystem;
namespace jit = torch::jit;
using Json = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

constexpr const char* MetadataFileName = "cnnslicer.json";

double secondsSince(Clock::time_point start)
{
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// A JSON number, or null for NaN (JSON has no NaN).
Json jsonNumber(double value)
{
  return std::isfinite(value) ? Json(value) : Json(nullptr);
}

/// Operations whose training behaviour comes from an argument, and that argument's index.
/// A constant there means the graph was recorded with the mode fixed (torch.jit.trace of a
/// model in evaluation mode): such a layer can never train.
int trainingArgumentIndex(const jit::Node* node)
{
  const c10::Symbol kind = node->kind();
  if (kind == c10::aten::batch_norm)
  {
    return 5;
  }
  if (kind == c10::aten::dropout || kind == c10::aten::dropout_ ||
      kind == c10::aten::feature_dropout || kind == c10::aten::feature_dropout_ ||
      kind == c10::aten::alpha_dropout || kind == c10::aten::alpha_dropout_ ||
      kind == c10::aten::feature_alpha_dropout || kind == c10::aten::feature_alpha_dropout_)
  {
    return 2;
  }
  return -1;
}

/// Names ("aten::batch_norm") of the operations in @p block whose mode is a constant.
void collectFixedModeOperations(const jit::Block* block, std::vector<std::string>& fixed)
{
  for (const jit::Node* node : block->nodes())
  {
    const int index = trainingArgumentIndex(node);
    if (index >= 0 && static_cast<std::size_t>(index) < node->inputs().size() &&
        node->input(static_cast<std::size_t>(index))->node()->kind() == c10::prim::Constant)
    {
      fixed.push_back(node->kind().toQualString());
    }
    for (const jit::Block* sub : node->blocks())
    {
      collectFixedModeOperations(sub, fixed);
    }
  }
}

/// "3 x aten::batch_norm, 1 x aten::dropout".
std::string countOperations(const std::vector<std::string>& names)
{
  std::vector<std::string> sorted = names;
  std::sort(sorted.begin(), sorted.end());
  std::string text;
  for (auto first = sorted.begin(); first != sorted.end();)
  {
    const auto last = std::upper_bound(first, sorted.end(), *first);
    text += (text.empty() ? "" : ", ") + std::to_string(last - first) + " x " + *first;
    first = last;
  }
  return text;
}

/// True for `<name>_epoch_<digits>.pt` and `<name>_history.csv`: the files of a run.
bool isRunFile(const std::string& fileName, const std::string& name)
{
  if (fileName == name + "_history.csv")
  {
    return true;
  }
  const std::string prefix = name + "_epoch_";
  const std::string suffix = ".pt";
  if (fileName.size() <= prefix.size() + suffix.size() ||
      fileName.compare(0, prefix.size(), prefix) != 0 ||
      fileName.compare(fileName.size() - suffix.size(), suffix.size(), suffix) != 0)
  {
    return false;
  }
  const std::string digits =
    fileName.substr(prefix.size(), fileName.size() - prefix.size() - suffix.size());
  return std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c); });
}

std::string fileStem(const std::string& path)
{
  return fs::path(path).stem().string();
}

} // namespace

/// LibTorch state of a Trainer, and the bookkeeping that the checkpoints describe.
class Trainer::Internals
{
public:
  TrainingOptions Options;
  std::string ModelPath;
  jit::Module Module;
  /// The archive's cnnslicer.json as loaded ("" when it had none).
  std::string MetadataText;
  ModelMetadata Metadata;
  PreprocessingOptions Preprocessing;
  std::string Name;
  std::vector<torch::Tensor> Parameters;

  std::vector<StepCallback> StepCallbacks;
  std::vector<EpochCallback> EpochCallbacks;
  MessageSink Messages;
  std::atomic<bool> StopRequested{ false };

  // Bookkeeping of the run, written into every checkpoint's metadata.
  std::size_t StepsDone = 0;
  std::size_t EpochsDone = 0;
  bool HaveEpochResult = false;
  EpochResult LastEpoch;
  std::string TrainSource;
  std::string TestSource;
  std::size_t TrainSamples = 0;
  std::size_t TestSamples = 0;
  std::vector<std::int64_t> SampleShape;
  std::vector<std::string> DatasetClassNames;

  void note(const std::string& message) const
  {
    if (this->Messages)
    {
      this->Messages(message);
    }
  }

  void load(const std::string& path)
  {
    if (!std::ifstream(path).good())
    {
      throw TrainingError("model file '" + path + "' does not exist or cannot be read");
    }
    // jit::load allocates every tensor the archive declares and runs its code: as the
    // reader does, refuse a file that is no TorchScript archive, or declares more tensors
    // than the default model memory limit, from its zip directory alone.
    try
    {
      checkTorchScriptArchive(path, DefaultModelMemoryLimitBytes);
    }
    catch (const DatasetError& e)
    {
      throw TrainingError(e.what());
    }
    jit::ExtraFilesMap extra{ { MetadataFileName, "" } };
    try
    {
      this->Module = jit::load(path, torch::kCPU, extra);
    }
    catch (const c10::Error& e)
    {
      throw TrainingError("'" + path + "' is not a TorchScript archive (" +
                          describeTorchScriptLoadFailure(e.what_without_backtrace()) +
                          "); export the architecture with Examples/Models/export_models.py or "
                          "torch.jit.save(torch.jit.script(model))");
    }
    catch (const std::exception& e)
    {
      throw TrainingError("cannot load '" + path +
                          "': " + describeTorchScriptLoadFailure(e.what()));
    }
    this->MetadataText = extra[MetadataFileName];
    if (!this->MetadataText.empty())
    {
      this->Metadata =
        parseModelMetadata(this->MetadataText, path + ":" + std::string(MetadataFileName));
    }
    else
    {
      this->Metadata.Source = path;
    }

    const auto forward = this->Module.find_method("forward");
    if (!forward)
    {
      throw TrainingError("'" + path + "' has no forward method to train");
    }
    auto graph = jit::toGraphFunction(forward->function()).graph()->copy();
    if (graph->inputs().size() != 2)
    {
      throw TrainingError("the forward method of '" + path + "' takes " +
                          std::to_string(graph->inputs().size() - 1) +
                          " inputs; cnnslicer-train trains models whose forward takes one image "
                          "batch");
    }
    jit::Inline(*graph);
    std::vector<std::string> fixed;
    collectFixedModeOperations(graph->block(), fixed);
    if (!fixed.empty())
    {
      throw TrainingError("'" + path + "' has layers whose training mode is fixed in the graph (" +
                          countOperations(fixed) +
                          "), as torch.jit.trace records a model in evaluation mode; export it "
                          "with torch.jit.script (export_models.py --mode scripted)");
    }

    for (const torch::Tensor& parameter : this->Module.parameters())
    {
      if (parameter.requires_grad())
      {
        this->Parameters.push_back(parameter);
      }
    }
    if (this->Parameters.empty())
    {
      throw TrainingError("'" + path +
                          "' has no trainable parameters (torch.jit.freeze turns weights into "
                          "constants); train an export that is not frozen");
    }
  }

  /// Logits of @p count preprocessed images at @p input; the caller chooses the mode.
  torch::Tensor forward(const torch::Tensor& input)
  {
    const c10::IValue output = this->Module.forward({ input });
    if (!output.isTensor())
    {
      throw TrainingError("the model returns " + output.tagKind() +
                          ", not a tensor of class scores; cnnslicer-train trains classifiers "
                          "whose forward returns N x K logits");
    }
    return output.toTensor();
  }

  /// Fills @p input (count x C x H x W) with the preprocessed samples @p indices.
  void fillBatch(const Dataset& dataset,
                 const std::size_t* indices,
                 std::size_t count,
                 torch::Tensor& input,
                 torch::Tensor& labels) const
  {
    preprocessSamples(dataset, indices, count, this->Preprocessing, input.data_ptr<float>());
    std::int64_t* labelData = labels.data_ptr<std::int64_t>();
    for (std::size_t i = 0; i < count; ++i)
    {
      labelData[i] = dataset.Labels[indices[i]];
    }
  }

  static torch::Tensor batchTensor(std::size_t count, const std::vector<std::int64_t>& shape)
  {
    std::vector<std::int64_t> sizes{ static_cast<std::int64_t>(count) };
    sizes.insert(sizes.end(), shape.begin(), shape.end());
    return torch::empty(sizes, torch::kFloat32);
  }

  /// Puts the 4-D parameters (convolution weights) into @p format, in place: the optimizer
  /// and autograd keep referring to the same tensors.
  void setWeightFormat(c10::MemoryFormat format)
  {
    for (torch::Tensor& parameter : this->Parameters)
    {
      if (parameter.dim() == 4)
      {
        parameter.set_data(parameter.contiguous(format));
      }
    }
  }

  /// The batch in the memory order the weights are in.
  torch::Tensor inputLayout(const torch::Tensor& batch) const
  {
    return this->Options.ChannelsLast ? batch.contiguous(c10::MemoryFormat::ChannelsLast) : batch;
  }

  /// Checks the data against the model before anything is written.
  void checkData(const Dataset& train, const Dataset& test)
  {
    for (const Dataset* dataset : { &train, &test })
    {
      dataset->validate();
      if (dataset->NumberOfSamples == 0)
      {
        throw DatasetError(dataset->Source, "has no samples", "select a non-empty sample range");
      }
      if (!dataset->hasLabels())
      {
        throw DatasetError(dataset->Source,
                           "has no labels",
                           "give the labels file (--labels) or a labelled dataset");
      }
      const auto unlabelled = std::count_if(
        dataset->Labels.begin(), dataset->Labels.end(), [](std::int64_t l) { return l < 0; });
      if (unlabelled > 0)
      {
        throw DatasetError(dataset->Source,
                           std::to_string(unlabelled) + " samples have no label (negative)",
                           "train on labelled samples only");
      }
    }
    if (train.sampleShape() != test.sampleShape())
    {
      throw DatasetError(test.Source,
                         "test images are " + shapeToString(test.sampleShape()) +
                           " but training images are " + shapeToString(train.sampleShape()),
                         "test on images of the training shape");
    }
    if (this->Metadata.hasInputShape())
    {
      checkModelInputShape(train, this->Metadata.InputShape, this->ModelPath);
    }
    validatePreprocessing(this->Preprocessing, train.Channels, train.Source);

    // One forward pass on two test images shows whether the model takes this shape and
    // how many classes it scores.
    const std::size_t count = std::min<std::size_t>(2, test.NumberOfSamples);
    std::vector<std::size_t> indices(count);
    std::iota(indices.begin(), indices.end(), 0);
    torch::Tensor input = batchTensor(count, test.sampleShape());
    torch::Tensor labels = torch::empty({ static_cast<std::int64_t>(count) }, torch::kInt64);
    this->fillBatch(test, indices.data(), count, input, labels);
    torch::Tensor logits;
    {
      torch::NoGradGuard noGradients;
      this->Module.eval();
      const auto failed = [&](const std::string& reason)
      {
        return TrainingError("the model '" + this->ModelPath + "' fails on " +
                             shapeToString(test.sampleShape()) + " images from " + test.Source +
                             ": " + interpreterMessage(reason) +
                             "; train it on data of the shape it was built for");
      };
      try
      {
        logits = this->forward(input);
      }
      catch (const TrainingError&)
      {
        throw;
      }
      catch (const c10::Error& e)
      {
        throw failed(e.what_without_backtrace());
      }
      catch (const std::runtime_error& e)
      {
        // The interpreter rethrows a failing operation as std::runtime_error with a
        // TorchScript traceback; interpreterMessage keeps its last line.
        throw failed(e.what());
      }
      this->Module.train(true);
    }
    if (logits.dim() != 2 || logits.size(0) != static_cast<std::int64_t>(count))
    {
      throw TrainingError("the model '" + this->ModelPath + "' returns a tensor of shape " +
                          c10::str(logits.sizes()) + " for " + std::to_string(count) +
                          " images; cnnslicer-train trains classifiers that return N x K logits");
    }
    const std::int64_t outputs = logits.size(1);
    for (const Dataset* dataset : { &train, &test })
    {
      const std::int64_t largest =
        *std::max_element(dataset->Labels.begin(), dataset->Labels.end());
      if (largest >= outputs)
      {
        throw DatasetError(dataset->Source,
                           "has label " + std::to_string(largest) + " but the model scores " +
                             std::to_string(outputs) + " classes",
                           "train a model with one output per class");
      }
    }
  }

  /// Mean loss and accuracy on @p dataset in evaluation mode, without gradients.
  std::pair<double, double> evaluate(const Dataset& dataset)
  {
    torch::NoGradGuard noGradients;
    this->Module.eval();
    double lossSum = 0.0;
    std::int64_t correct = 0;
    std::vector<std::size_t> indices(dataset.NumberOfSamples);
    std::iota(indices.begin(), indices.end(), 0);
    for (std::size_t first = 0; first < indices.size(); first += this->Options.EvaluationBatchSize)
    {
      const std::size_t count = std::min(this->Options.EvaluationBatchSize, indices.size() - first);
      torch::Tensor input = batchTensor(count, dataset.sampleShape());
      torch::Tensor labels = torch::empty({ static_cast<std::int64_t>(count) }, torch::kInt64);
      this->fillBatch(dataset, indices.data() + first, count, input, labels);
      const torch::Tensor logits = this->forward(this->inputLayout(input));
      lossSum += torch::cross_entropy_loss(logits, labels, {}, at::Reduction::Sum).item<double>();
      correct += logits.argmax(1).eq(labels).sum().item<std::int64_t>();
    }
    this->Module.train(true);
    const double samples = static_cast<double>(dataset.NumberOfSamples);
    return { lossSum / samples, static_cast<double>(correct) / samples };
  }

  /// cnnslicer.json of a checkpoint: the model's own keys, what the data added, the state.
  std::string checkpointMetadata() const
  {
    Json document = Json::object();
    if (!this->MetadataText.empty())
    {
      document = Json::parse(this->MetadataText);
    }
    if (!document.contains("format_version"))
    {
      document["format_version"] = 1;
    }
    if (!this->Metadata.hasInputShape() && !this->SampleShape.empty())
    {
      document["input_shape"] = this->SampleShape;
    }
    if (!this->Metadata.hasNormalization() && !this->Preprocessing.Mean.empty())
    {
      document["mean"] = this->Preprocessing.Mean;
      document["std"] = this->Preprocessing.Std;
    }
    if (this->Metadata.ClassNames.empty() && !this->DatasetClassNames.empty())
    {
      document["class_names"] = this->DatasetClassNames;
    }

    document["epoch"] = this->EpochsDone;
    if (this->HaveEpochResult)
    {
      document["accuracy"] = jsonNumber(this->LastEpoch.TestAccuracy);
      document["test_loss"] = jsonNumber(this->LastEpoch.TestLoss);
      document["train_loss"] = jsonNumber(this->LastEpoch.TrainLoss);
      document["train_accuracy"] = jsonNumber(this->LastEpoch.TrainAccuracy);
    }
    const TrainingOptions& options = this->Options;
    Json training = Json::object();
    training["program"] = "cnnslicer-train";
    training["initial_model"] = fs::path(this->ModelPath).filename().string();
    training["steps"] = this->StepsDone;
    training["epochs"] = options.Epochs;
    training["batch_size"] = options.BatchSize;
    training["optimizer"] = optimizerName(options.Optimizer);
    training["learning_rate"] = options.LearningRate;
    training["schedule"] = learningRateScheduleName(options.Schedule);
    training["warmup_fraction"] = options.WarmupFraction;
    if (options.Optimizer == OptimizerKind::Sgd)
    {
      training["momentum"] = options.Momentum;
      training["nesterov"] = options.Nesterov;
    }
    training["weight_decay"] = options.WeightDecay;
    training["augmentation"] = augmentationName(options.Augmentation);
    if (options.Augmentation == AugmentationKind::CropFlip)
    {
      training["crop_padding"] = options.CropPadding;
    }
    training["memory_format"] = options.ChannelsLast ? "channels_last" : "contiguous";
    training["seed"] = options.Seed;
    training["threads"] = at::get_num_threads();
    training["train_data"] = this->TrainSource;
    training["train_samples"] = this->TrainSamples;
    training["test_data"] = this->TestSource;
    training["test_samples"] = this->TestSamples;
    document["training"] = training;
    return document.dump(2);
  }

  /// Saves the module in evaluation mode, through a temporary file so that an interrupted
  /// save never leaves a truncated checkpoint under the final name.
  void save(const std::string& path)
  {
    const bool wasTraining = this->Module.is_training();
    this->Module.eval();
    if (this->Options.ChannelsLast)
    {
      // Readers of the checkpoint expect the usual contiguous weights.
      this->setWeightFormat(c10::MemoryFormat::Contiguous);
    }
    const std::string partial = path + ".partial";
    try
    {
      this->Module.save(partial, { { MetadataFileName, this->checkpointMetadata() } });
    }
    catch (const c10::Error& e)
    {
      throw TrainingError("cannot write '" + partial +
                          "': " + firstLine(e.what_without_backtrace()) +
                          "; check that the output folder is writable and has space");
    }
    if (this->Options.ChannelsLast)
    {
      this->setWeightFormat(c10::MemoryFormat::ChannelsLast);
    }
    this->Module.train(wasTraining);
    std::error_code error;
    fs::rename(partial, path, error);
    if (error)
    {
      throw TrainingError("cannot rename '" + partial + "' to '" + path + "': " + error.message() +
                          "; check the output folder");
    }
  }
};

Trainer::Trainer(const std::string& modelPath, const TrainingOptions& options)
  : Impl(std::make_unique<Internals>())
{
  validateTrainingOptions(options);
  Internals& internals = *this->Impl;
  internals.Options = options;
  internals.ModelPath = modelPath;
  internals.load(modelPath);
  internals.Preprocessing = resolvePreprocessing(internals.Metadata, options.Preprocessing);
  internals.Name = options.Name;
  if (internals.Name.empty())
  {
    internals.Name = internals.Metadata.Architecture.empty() ? fileStem(modelPath)
                                                             : internals.Metadata.Architecture;
  }
}

Trainer::~Trainer() = default;

void Trainer::addStepCallback(StepCallback callback)
{
  this->Impl->StepCallbacks.push_back(std::move(callback));
}

void Trainer::addEpochCallback(EpochCallback callback)
{
  this->Impl->EpochCallbacks.push_back(std::move(callback));
}

void Trainer::setMessageSink(MessageSink sink)
{
  this->Impl->Messages = std::move(sink);
}

void Trainer::requestStop() noexcept
{
  this->Impl->StopRequested.store(true);
}

bool Trainer::stopRequested() const noexcept
{
  return this->Impl->StopRequested.load();
}

const TrainingOptions& Trainer::options() const
{
  return this->Impl->Options;
}

const ModelMetadata& Trainer::metadata() const
{
  return this->Impl->Metadata;
}

const PreprocessingOptions& Trainer::preprocessing() const
{
  return this->Impl->Preprocessing;
}

std::string Trainer::checkpointPath(std::size_t epoch) const
{
  const std::size_t digits =
    std::max<std::size_t>(2, std::to_string(this->Impl->Options.Epochs).size());
  std::ostringstream name;
  name << this->Impl->Name << "_epoch_" << std::setw(static_cast<int>(digits)) << std::setfill('0')
       << epoch << ".pt";
  return (fs::path(this->Impl->Options.OutputDirectory) / name.str()).string();
}

void Trainer::saveCheckpoint(const std::string& path)
{
  this->Impl->save(path);
}

Trainer::Internals& Trainer::internals()
{
  return *this->Impl;
}

torch::jit::Module& trainedModule(Trainer& trainer)
{
  return trainer.internals().Module;
}

TrainingSummary Trainer::run(const Dataset& train, const Dataset& test)
{
  Internals& internals = *this->Impl;
  const TrainingOptions& options = internals.Options;
  const auto start = Clock::now();
  if (options.Threads > 0)
  {
    at::set_num_threads(options.Threads);
  }
  // Dropout draws from LibTorch's global generator; the data order and augmentation from
  // their own. Seeding both makes a run a function of the seed (and thread count).
  torch::manual_seed(options.Seed);
  TrainingRandom random(options.Seed);

  if (internals.MetadataText.empty())
  {
    internals.note("'" + internals.ModelPath +
                   "' has no cnnslicer.json: the input shape comes from the data, and pixels "
                   "are only scaled to [0, 1] unless a mean and std are given (--mean, --std)");
  }
  internals.checkData(train, test);
  if (options.ChannelsLast)
  {
    internals.setWeightFormat(c10::MemoryFormat::ChannelsLast);
  }
  internals.TrainSource = train.Source;
  internals.TestSource = test.Source;
  internals.TrainSamples = train.NumberOfSamples;
  internals.TestSamples = test.NumberOfSamples;
  internals.SampleShape = train.sampleShape();
  internals.DatasetClassNames = train.ClassNames;
  internals.StepsDone = 0;
  internals.EpochsDone = 0;
  internals.HaveEpochResult = false;

  // Output folder: refuse to mix this run's checkpoints with an earlier run's.
  const fs::path folder(options.OutputDirectory);
  std::error_code error;
  fs::create_directories(folder, error);
  if (error)
  {
    throw TrainingError("cannot create the output folder '" + folder.string() +
                        "': " + error.message() + "; choose a writable --out folder");
  }
  for (const auto& entry : fs::directory_iterator(folder))
  {
    if (isRunFile(entry.path().filename().string(), internals.Name))
    {
      if (!options.Overwrite)
      {
        throw TrainingError("'" + entry.path().string() +
                            "' is from an earlier run; choose another --out folder or --name, "
                            "or pass --overwrite to replace that run");
      }
      fs::remove(entry.path());
    }
  }

  TrainingSummary summary;
  summary.HistoryFile = (folder / (internals.Name + "_history.csv")).string();
  std::ofstream history(summary.HistoryFile);
  if (!history)
  {
    throw TrainingError("cannot write '" + summary.HistoryFile +
                        "'; check that the output folder is writable");
  }
  history << "epoch,steps,learning_rate,train_loss,train_accuracy,test_loss,test_accuracy,"
             "train_seconds,evaluation_seconds,elapsed_seconds,checkpoint\n";

  const auto finishEpoch = [&](EpochResult result)
  {
    const auto evaluationStart = Clock::now();
    std::tie(result.TestLoss, result.TestAccuracy) = internals.evaluate(test);
    result.EvaluationSeconds = secondsSince(evaluationStart);
    result.Steps = internals.StepsDone;
    internals.EpochsDone = result.Epoch;
    internals.LastEpoch = result;
    internals.HaveEpochResult = true;
    result.Checkpoint = this->checkpointPath(result.Epoch);
    internals.save(result.Checkpoint);
    result.ElapsedSeconds = secondsSince(start);
    const auto number = [](double value)
    { return std::isfinite(value) ? shortestNumber(value) : ""; };
    history << result.Epoch << ',' << result.Steps << ',' << number(result.LearningRate) << ','
            << number(result.TrainLoss) << ',' << number(result.TrainAccuracy) << ','
            << number(result.TestLoss) << ',' << number(result.TestAccuracy) << ','
            << number(result.TrainSeconds) << ',' << number(result.EvaluationSeconds) << ','
            << number(result.ElapsedSeconds) << ','
            << fs::path(result.Checkpoint).filename().string() << '\n'
            << std::flush;
    summary.Epochs.push_back(result);
    for (const EpochCallback& callback : internals.EpochCallbacks)
    {
      callback(result, *this);
    }
    return result;
  };

  EpochResult initial;
  initial.TrainLoss = std::numeric_limits<double>::quiet_NaN();
  initial.TrainAccuracy = std::numeric_limits<double>::quiet_NaN();
  const double evaluationSeconds = finishEpoch(initial).EvaluationSeconds;

  // Batches: consecutive slices of the shuffled order; a last slice of one sample joins
  // the one before (BatchNorm's batch statistics need two samples).
  const std::size_t samples = train.NumberOfSamples;
  std::size_t batchesPerEpoch = (samples + options.BatchSize - 1) / options.BatchSize;
  if (batchesPerEpoch > 1 && samples % options.BatchSize == 1)
  {
    --batchesPerEpoch;
  }
  LearningRateSchedule schedule;
  schedule.Kind = options.Schedule;
  schedule.PeakRate = options.LearningRate;
  schedule.WarmupFraction = options.WarmupFraction;
  schedule.TotalSteps = batchesPerEpoch * options.Epochs;

  std::unique_ptr<torch::optim::Optimizer> optimizer;
  if (options.Optimizer == OptimizerKind::Sgd)
  {
    optimizer = std::make_unique<torch::optim::SGD>(internals.Parameters,
                                                    torch::optim::SGDOptions(options.LearningRate)
                                                      .momentum(options.Momentum)
                                                      .nesterov(options.Nesterov)
                                                      .weight_decay(options.WeightDecay));
  }
  else
  {
    optimizer = std::make_unique<torch::optim::Adam>(
      internals.Parameters,
      torch::optim::AdamOptions(options.LearningRate).weight_decay(options.WeightDecay));
  }

  AugmentationSettings augmentation;
  augmentation.Kind = options.Augmentation;
  augmentation.Padding = options.CropPadding;
  augmentation.PadValues.clear();
  for (std::size_t c = 0; c < train.Channels; ++c)
  {
    // A black pixel (0 after scaling) through the same normalization as the data.
    const auto& mean = internals.Preprocessing.Mean;
    const auto& deviation = internals.Preprocessing.Std;
    augmentation.PadValues.push_back(mean.empty() ? 0.0f
                                                  : (0.0f - mean[mean.size() == 1 ? 0 : c]) /
                                                      deviation[deviation.size() == 1 ? 0 : c]);
  }

  std::vector<std::size_t> order(samples);
  double trainSeconds = 0.0;
  internals.Module.train(true);
  for (std::size_t epoch = 1; epoch <= options.Epochs && !this->stopRequested(); ++epoch)
  {
    const auto epochStart = Clock::now();
    std::iota(order.begin(), order.end(), 0);
    shuffleIndices(order, random);
    double lossSum = 0.0;
    std::int64_t correct = 0;
    std::size_t seen = 0;
    double rate = 0.0;
    bool finished = true;
    for (std::size_t batch = 0; batch < batchesPerEpoch; ++batch)
    {
      const std::size_t first = batch * options.BatchSize;
      const std::size_t count = batch + 1 == batchesPerEpoch ? samples - first : options.BatchSize;
      torch::Tensor input = Internals::batchTensor(count, train.sampleShape());
      torch::Tensor labels = torch::empty({ static_cast<std::int64_t>(count) }, torch::kInt64);
      internals.fillBatch(train, order.data() + first, count, input, labels);
      augmentBatch(input.data_ptr<float>(),
                   count,
                   train.Channels,
                   train.Height,
                   train.Width,
                   augmentation,
                   random);

      rate = schedule.rateAt(internals.StepsDone);
      for (auto& group : optimizer->param_groups())
      {
        group.options().set_lr(rate);
      }
      torch::Tensor logits;
      torch::Tensor loss;
      const auto failed = [&](const std::string& reason)
      {
        return TrainingError("the model '" + internals.ModelPath +
                             "' failed in training mode (epoch " + std::to_string(epoch) +
                             ", batch " + std::to_string(batch + 1) + " of " +
                             std::to_string(count) + " samples): " + interpreterMessage(reason) +
                             "; check that it trains in PyTorch with this batch size");
      };
      try
      {
        optimizer->zero_grad();
        logits = internals.forward(internals.inputLayout(input));
        loss = torch::cross_entropy_loss(logits, labels);
        loss.backward();
        optimizer->step();
      }
      catch (const TrainingError&)
      {
        throw;
      }
      catch (const c10::Error& e)
      {
        throw failed(e.what_without_backtrace());
      }
      catch (const std::runtime_error& e)
      {
        // An operation that fails inside the TorchScript interpreter.
        throw failed(e.what());
      }
      ++internals.StepsDone;

      const double batchLoss = loss.item<double>();
      if (!std::isfinite(batchLoss))
      {
        throw TrainingError(
          "training diverged: the loss of epoch " + std::to_string(epoch) + " batch " +
          std::to_string(batch + 1) + " is " + shortestNumber(batchLoss) + " at learning rate " +
          shortestNumber(rate) + "; lower --lr or add a warm-up (checkpoints up to epoch " +
          std::to_string(epoch - 1) + " are kept)");
      }
      lossSum += batchLoss * static_cast<double>(count);
      correct += logits.argmax(1).eq(labels).sum().item<std::int64_t>();
      seen += count;

      if (!internals.StepCallbacks.empty())
      {
        StepInfo info;
        info.Step = internals.StepsDone;
        info.TotalSteps = schedule.TotalSteps;
        info.Epoch = epoch;
        info.Epochs = options.Epochs;
        info.Batch = batch + 1;
        info.BatchesPerEpoch = batchesPerEpoch;
        info.BatchSamples = count;
        info.Loss = batchLoss;
        info.RunningLoss = lossSum / static_cast<double>(seen);
        info.RunningAccuracy = static_cast<double>(correct) / static_cast<double>(seen);
        info.LearningRate = rate;
        info.ElapsedSeconds = secondsSince(start);
        const double stepSeconds =
          (trainSeconds + secondsSince(epochStart)) / static_cast<double>(internals.StepsDone);
        info.RemainingSeconds =
          stepSeconds * static_cast<double>(schedule.TotalSteps - internals.StepsDone) +
          evaluationSeconds * static_cast<double>(options.Epochs - epoch + 1);
        for (const StepCallback& callback : internals.StepCallbacks)
        {
          callback(info, *this);
        }
        internals.Module.train(true);
      }
      if (this->stopRequested() && batch + 1 < batchesPerEpoch)
      {
        finished = false;
        break;
      }
    }
    const double epochTrainSeconds = secondsSince(epochStart);
    trainSeconds += epochTrainSeconds;
    if (!finished)
    {
      break;
    }
    EpochResult result;
    result.Epoch = epoch;
    result.LearningRate = rate;
    result.TrainLoss = lossSum / static_cast<double>(seen);
    result.TrainAccuracy = static_cast<double>(correct) / static_cast<double>(seen);
    result.TrainSeconds = epochTrainSeconds;
    finishEpoch(result);
  }

  summary.Steps = internals.StepsDone;
  summary.Interrupted = internals.EpochsDone < options.Epochs;
  summary.Seconds = secondsSince(start);
  return summary;
}

} // namespace cnnslicer
