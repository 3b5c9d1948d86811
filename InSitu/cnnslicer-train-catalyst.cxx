// cnnslicer-train-catalyst: cnnslicer-train with the in-situ probe. Every K steps the
// model's activations on a fixed probe batch go to ParaView Catalyst, whose scripts
// compute entropy while the network trains (README.md in this folder).
#include "InSituProbe.h"
#include "TrainCommandLine.h"
#include "Trainer.h"
#include "TrainerTorch.h"

#include <charconv>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace
{

using namespace cnnslicer;

/// The options this program adds to cnnslicer-train's.
struct ProbeCommand
{
  std::vector<std::string> Scripts;
  std::size_t Every = 50;
  std::size_t Samples = 1000;
  std::size_t BatchSize = 256;
  std::string OutputDirectory;
  bool CheckpointProbes = false;
  bool Help = false;
  /// Everything else, for parseTrainCommandLine.
  std::vector<std::string> TrainArguments;
};

std::string probeUsage()
{
  return R"(usage: cnnslicer-train-catalyst MODEL.pt --data PATH [--catalyst SCRIPT.py] [options]

cnnslicer-train with ParaView Catalyst: every K optimizer steps (and once before the first
one) the model runs on a fixed probe batch, its activations become the CNN Activations
Reader's data model, and the Catalyst scripts run on it (input "activations", time =
step). Without --catalyst it trains exactly as cnnslicer-train does.

In situ:
  --catalyst SCRIPT.py   Catalyst Python script (repeat for several), e.g.
                         Examples/Catalyst/cnnslicer_catalyst.py
  --probe-every K        steps between probes (default: 50)
  --probe-samples N      probe batch: the first N test samples (default: 1000)
  --probe-batch-size B   samples per forward pass of a probe (default: 256)
  --catalyst-output DIR  Catalyst's working folder, where the scripts' extracts go
                         (default: OUT/catalyst)
  --checkpoint-probes    also save OUT/NAME_step_NNNNNN.pt at every probe, to open the
                         same weights with the reader afterwards
The scripts load the plugin from $CNNSLICER_PLUGIN (set to this build's plugin unless
it is set already).

)";
}

/// A whole number of at least @p minimum (no sign, nothing after the digits).
std::size_t parseCount(const std::string& text, const std::string& option, std::size_t minimum)
{
  std::size_t value = 0;
  const char* end = text.data() + text.size();
  const auto parsed = std::from_chars(text.data(), end, value);
  if (text.empty() || parsed.ec != std::errc() || parsed.ptr != end || value < minimum)
  {
    throw UsageError(option + " needs a whole number of at least " + std::to_string(minimum) +
                     ", not '" + text + "'");
  }
  return value;
}

/// The value of option @p name at arguments[i] ("--name VALUE" or "--name=VALUE"), or
/// nothing when arguments[i] is another option.
std::optional<std::string> optionValue(const std::vector<std::string>& arguments,
                                       std::size_t& i,
                                       const std::string& name)
{
  if (arguments[i].rfind(name + "=", 0) == 0)
  {
    return arguments[i].substr(name.size() + 1);
  }
  if (arguments[i] != name)
  {
    return std::nullopt;
  }
  if (i + 1 >= arguments.size())
  {
    throw UsageError(name + " needs a value; see cnnslicer-train-catalyst --help");
  }
  return arguments[++i];
}

/// Takes this program's options out of @p arguments; the rest is cnnslicer-train's.
ProbeCommand parseProbeOptions(const std::vector<std::string>& arguments)
{
  ProbeCommand command;
  for (std::size_t i = 0; i < arguments.size(); ++i)
  {
    if (auto script = optionValue(arguments, i, "--catalyst"))
    {
      command.Scripts.push_back(*script);
    }
    else if (auto every = optionValue(arguments, i, "--probe-every"))
    {
      command.Every = parseCount(*every, "--probe-every", 1);
    }
    else if (auto samples = optionValue(arguments, i, "--probe-samples"))
    {
      command.Samples = parseCount(*samples, "--probe-samples", 1);
    }
    else if (auto batch = optionValue(arguments, i, "--probe-batch-size"))
    {
      command.BatchSize = parseCount(*batch, "--probe-batch-size", 1);
    }
    else if (auto directory = optionValue(arguments, i, "--catalyst-output"))
    {
      command.OutputDirectory = *directory;
    }
    else if (arguments[i] == "--checkpoint-probes")
    {
      command.CheckpointProbes = true;
    }
    else
    {
      command.Help = command.Help || arguments[i] == "-h" || arguments[i] == "--help";
      command.TrainArguments.push_back(arguments[i]);
    }
  }
  return command;
}

/// `<out>/<name>_step_NNNNNN.pt`, beside the epoch checkpoints.
std::string stepCheckpointPath(Trainer& trainer, std::size_t step)
{
  std::string path = trainer.checkpointPath(0);
  const std::string epochSuffix = "_epoch_00.pt";
  path.resize(path.size() - epochSuffix.size());
  std::ostringstream name;
  name << path << "_step_" << std::setw(6) << std::setfill('0') << step << ".pt";
  return name.str();
}

int run(const ProbeCommand& probeCommand, const TrainCommand& command)
{
  Trainer trainer(command.ModelPath, command.Training);
  trainer.setMessageSink([](const std::string& note)
                         { std::cerr << "cnnslicer-train-catalyst: note: " << note << '\n'; });
  const auto [train, test] = loadTrainingData(command);
  std::cout << "model " << command.ModelPath << "\ntrain " << train.NumberOfSamples << " from "
            << train.Source << "\ntest  " << test.NumberOfSamples << " from " << test.Source << "\n"
            << std::flush;

  // The probe batch: the first test samples, preprocessed as the trainer feeds the model.
  std::unique_ptr<InSituProbe> probe;
  std::vector<float> probeValues;
  ProbeBatch batch;
  if (!probeCommand.Scripts.empty())
  {
    const std::size_t samples = std::min(probeCommand.Samples, test.NumberOfSamples);
    std::vector<std::size_t> indices(samples);
    for (std::size_t n = 0; n < samples; ++n)
    {
      indices[n] = n;
      batch.SampleIds.push_back(static_cast<std::int64_t>(command.TestSamples.First + n));
      if (!test.Labels.empty())
      {
        batch.Labels.push_back(test.Labels[n]);
      }
    }
    probeValues.resize(samples * test.valuesPerSample());
    preprocessSamples(test, indices.data(), samples, trainer.preprocessing(), probeValues.data());
    batch.Values = probeValues.data();
    batch.Samples = samples;
    batch.SampleShape = test.sampleShape();

    InSituOptions options;
    options.Scripts = probeCommand.Scripts;
    options.OutputDirectory =
      probeCommand.OutputDirectory.empty()
        ? (std::filesystem::path(command.Training.OutputDirectory) / "catalyst").string()
        : probeCommand.OutputDirectory;
    options.BatchSize = probeCommand.BatchSize;
    options.ClassNames =
      !trainer.metadata().ClassNames.empty() ? trainer.metadata().ClassNames : test.ClassNames;
    probe = std::make_unique<InSituProbe>(options);
    std::cout << "catalyst: " << samples << " probe samples every " << probeCommand.Every
              << " steps -> " << options.OutputDirectory << " (started in " << std::fixed
              << std::setprecision(1) << probe->statistics().InitializeSeconds << " s)\n"
              << std::defaultfloat << std::flush;
  }

  auto probeAt = [&](std::size_t step)
  {
    if (!probe)
    {
      return;
    }
    if (probeCommand.CheckpointProbes)
    {
      trainer.saveCheckpoint(stepCheckpointPath(trainer, step));
    }
    probe->probe(step, trainedModule(trainer), batch);
  };
  trainer.addStepCallback(
    [&](const StepInfo& info, Trainer&)
    {
      if (info.Step % probeCommand.Every == 0)
      {
        probeAt(info.Step);
      }
    });
  trainer.addEpochCallback(
    [&](const EpochResult& result, Trainer&)
    {
      if (result.Epoch == 0)
      {
        // The initial weights, before the first step.
        probeAt(0);
      }
      std::cout << "epoch " << result.Epoch << "/" << command.Training.Epochs << "  test acc "
                << std::fixed << std::setprecision(2) << 100.0 * result.TestAccuracy << "%  "
                << std::setprecision(1) << result.TrainSeconds << " s  -> " << result.Checkpoint
                << std::defaultfloat << std::endl;
    });

  const TrainingSummary summary = trainer.run(train, test);

  std::cout << "done: " << summary.Steps << " steps in " << std::fixed << std::setprecision(2)
            << summary.Seconds << " s";
  if (probe)
  {
    probe->finalize();
    const InSituStatistics& statistics = probe->statistics();
    std::cout << "; " << statistics.Probes << " probes: capture " << statistics.CaptureSeconds
              << " s, catalyst " << statistics.CatalystSeconds << " s, start "
              << statistics.InitializeSeconds << " s";
  }
  std::cout << std::endl;
  return 0;
}

} // namespace

int main(int argc, char** argv)
{
  ProbeCommand probeCommand;
  TrainCommand command;
  try
  {
    probeCommand = parseProbeOptions(std::vector<std::string>(argv + 1, argv + argc));
    if (probeCommand.Help)
    {
      std::cout << probeUsage() << "Training (cnnslicer-train's options):\n" << trainUsage();
      return 0;
    }
    command = parseTrainCommandLine(probeCommand.TrainArguments);
  }
  catch (const UsageError& error)
  {
    std::cerr << "cnnslicer-train-catalyst: error: " << error.what() << std::endl;
    return 2;
  }
#ifdef CNNSLICER_PLUGIN_PATH
  // The plugin the Catalyst scripts load, unless the user chose another one.
  setenv("CNNSLICER_PLUGIN", CNNSLICER_PLUGIN_PATH, 0);
#endif
  try
  {
    return run(probeCommand, command);
  }
  catch (const UsageError& error)
  {
    std::cerr << "cnnslicer-train-catalyst: error: " << error.what() << std::endl;
    return 2;
  }
  catch (const std::exception& error)
  {
    std::cerr << "cnnslicer-train-catalyst: error: " << error.what() << std::endl;
    return 1;
  }
}
