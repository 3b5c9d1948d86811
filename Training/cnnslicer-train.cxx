// cnnslicer-train: trains a TorchScript CNN on IDX or CIFAR-10 data and writes one
// checkpoint per epoch for the CNN Activations Reader (see README.md in this folder).
#include "TrainCommandLine.h"
#include "Trainer.h"

#include <unistd.h>

#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace
{

using namespace cnnslicer;

/// The trainer a SIGINT stops; set while run() is active.
std::atomic<Trainer*> ActiveTrainer{ nullptr };

extern "C" void stopOnInterrupt(int)
{
  if (Trainer* trainer = ActiveTrainer.load())
  {
    trainer->requestStop();
  }
  static const char message[] =
    "\ncnnslicer-train: stopping after this batch (Ctrl-C again to abort now)\n";
  // write() and signal() are async-signal-safe; iostreams are not.
  const ssize_t written = write(STDERR_FILENO, message, sizeof(message) - 1);
  static_cast<void>(written);
  std::signal(SIGINT, SIG_DFL);
}

/// "1h02m", "4m05s", "12s".
std::string formatDuration(double seconds)
{
  if (!std::isfinite(seconds) || seconds < 0.0)
  {
    return "?";
  }
  const long total = std::lround(seconds);
  std::ostringstream text;
  if (total >= 3600)
  {
    text << total / 3600 << 'h' << std::setw(2) << std::setfill('0') << (total % 3600) / 60 << 'm';
  }
  else if (total >= 60)
  {
    text << total / 60 << 'm' << std::setw(2) << std::setfill('0') << total % 60 << 's';
  }
  else
  {
    text << total << 's';
  }
  return text.str();
}

std::string percent(double fraction)
{
  std::ostringstream text;
  text << std::fixed << std::setprecision(2) << 100.0 * fraction << '%';
  return text.str();
}

/// Progress lines on stderr: rewritten in place on a terminal, one per line otherwise.
class ProgressPrinter
{
public:
  explicit ProgressPrinter(double intervalSeconds)
    : Interval(intervalSeconds)
    , Terminal(isatty(STDERR_FILENO) == 1)
  {
  }

  void step(const StepInfo& info)
  {
    const bool last = info.Batch == info.BatchesPerEpoch;
    if (!last && info.ElapsedSeconds - this->LastPrint < this->Interval)
    {
      return;
    }
    this->LastPrint = info.ElapsedSeconds;
    const int epochDigits = static_cast<int>(std::to_string(info.Epochs).size());
    const int batchDigits = static_cast<int>(std::to_string(info.BatchesPerEpoch).size());
    std::ostringstream line;
    line << "epoch " << std::setw(epochDigits) << info.Epoch << '/' << info.Epochs << "  batch "
         << std::setw(batchDigits) << info.Batch << '/' << info.BatchesPerEpoch << "  loss "
         << std::fixed << std::setprecision(4) << info.RunningLoss << "  acc "
         << percent(info.RunningAccuracy) << "  lr " << std::defaultfloat << std::setprecision(3)
         << info.LearningRate << "  elapsed " << formatDuration(info.ElapsedSeconds) << "  ETA "
         << formatDuration(info.RemainingSeconds);
    if (this->Terminal)
    {
      std::cerr << "\r\033[K" << line.str() << std::flush;
      this->Pending = true;
    }
    else
    {
      std::cerr << line.str() << '\n' << std::flush;
    }
  }

  /// Ends a rewritten line before other output.
  void clear()
  {
    if (this->Pending)
    {
      std::cerr << "\r\033[K" << std::flush;
      this->Pending = false;
    }
  }

private:
  double Interval;
  bool Terminal;
  bool Pending = false;
  double LastPrint = -1e30;
};

void printEpoch(const EpochResult& result, std::size_t epochs)
{
  std::ostringstream line;
  line << "epoch " << std::setw(static_cast<int>(std::to_string(epochs).size())) << result.Epoch
       << '/' << epochs;
  if (result.Epoch > 0)
  {
    line << "  train loss " << std::fixed << std::setprecision(4) << result.TrainLoss << " acc "
         << percent(result.TrainAccuracy);
  }
  else
  {
    line << "  initial weights";
  }
  line << "  test loss " << std::fixed << std::setprecision(4) << result.TestLoss << " acc "
       << percent(result.TestAccuracy) << "  " << std::setprecision(1) << result.TrainSeconds
       << " s + " << result.EvaluationSeconds << " s eval  elapsed "
       << formatDuration(result.ElapsedSeconds) << "  -> " << result.Checkpoint;
  std::cout << line.str() << std::endl;
}

int runCommand(const TrainCommand& command)
{
  Trainer trainer(command.ModelPath, command.Training);
  trainer.setMessageSink([](const std::string& note)
                         { std::cerr << "cnnslicer-train: note: " << note << '\n'; });
  const auto [train, test] = loadTrainingData(command);
  const TrainingOptions& options = command.Training;
  std::cout << "model " << command.ModelPath << "\ntrain " << train.NumberOfSamples << " x "
            << shapeToString(train.sampleShape()) << " from " << train.Source << "\ntest  "
            << test.NumberOfSamples << " from " << test.Source << "\n"
            << optimizerName(options.Optimizer) << " lr " << options.LearningRate << " ("
            << learningRateScheduleName(options.Schedule) << ", warm-up " << options.WarmupFraction
            << ")";
  if (options.Optimizer == OptimizerKind::Sgd)
  {
    std::cout << " momentum " << options.Momentum << (options.Nesterov ? " nesterov" : "");
  }
  std::cout << " weight decay " << options.WeightDecay << ", " << options.Epochs
            << " epochs of batch " << options.BatchSize << ", augmentation "
            << augmentationName(options.Augmentation) << ", seed " << options.Seed << ", "
            << options.Threads << " threads\n"
            << std::flush;

  ProgressPrinter progress(command.ProgressSeconds);
  if (!command.Quiet)
  {
    trainer.addStepCallback([&progress](const StepInfo& info, Trainer&) { progress.step(info); });
  }
  trainer.addEpochCallback(
    [&progress, epochs = options.Epochs](const EpochResult& result, Trainer&)
    {
      progress.clear();
      printEpoch(result, epochs);
    });

  ActiveTrainer.store(&trainer);
  std::signal(SIGINT, stopOnInterrupt);
  TrainingSummary summary;
  try
  {
    summary = trainer.run(train, test);
  }
  catch (...)
  {
    ActiveTrainer.store(nullptr);
    progress.clear();
    throw;
  }
  ActiveTrainer.store(nullptr);
  std::signal(SIGINT, SIG_DFL);
  progress.clear();

  const EpochResult& last = summary.Epochs.back();
  std::cout << (summary.Interrupted ? "interrupted" : "done") << ": " << summary.Epochs.size() - 1
            << " of " << options.Epochs << " epochs, " << summary.Steps << " steps in "
            << formatDuration(summary.Seconds) << "; test accuracy " << percent(last.TestAccuracy)
            << " (epoch " << last.Epoch << "); checkpoints " << trainer.checkpointPath(0) << " .. "
            << last.Checkpoint << "; history " << summary.HistoryFile << std::endl;
  return summary.Interrupted ? 130 : 0;
}

/**
 * Runs this program again with OMP_WAIT_POLICY=PASSIVE unless the variable is set.
 * LibTorch's OpenMP threads otherwise spin at every barrier, and on cores shared with other
 * processes that made training 3 to 3.5 times slower here (60 VGG batches: 69 s instead of
 * 20 s at a load average of 2-3; the numbers are identical either way). libgomp reads the
 * variable when it is loaded, before main(), hence the re-execution (export_models.py
 * does the same for PYTHONHASHSEED). When exec fails the program carries on as it is.
 */
void preferPassiveOpenMPWaiting(char** argv)
{
  if (std::getenv("OMP_WAIT_POLICY") != nullptr)
  {
    return;
  }
  setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
  execv("/proc/self/exe", argv);
}

} // namespace

int main(int argc, char** argv)
{
  preferPassiveOpenMPWaiting(argv);
  TrainCommand command;
  try
  {
    command = parseTrainCommandLine(std::vector<std::string>(argv + 1, argv + argc));
  }
  catch (const UsageError& error)
  {
    std::cerr << "cnnslicer-train: error: " << error.what() << std::endl;
    return 2;
  }
  if (command.Help)
  {
    std::cout << trainUsage();
    return 0;
  }
  try
  {
    return runCommand(command);
  }
  catch (const UsageError& error)
  {
    std::cerr << "cnnslicer-train: error: " << error.what() << std::endl;
    return 2;
  }
  catch (const std::exception& error)
  {
    std::cerr << "cnnslicer-train: error: " << error.what() << std::endl;
    return 1;
  }
}
