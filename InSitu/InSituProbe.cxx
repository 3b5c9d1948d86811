#include "InSituProbe.h"

#include "vtkCNNActivationCollectionBuilder.h"

#include "vtkCPDataDescription.h"
#include "vtkCPInputDataDescription.h"
#include "vtkCPProcessor.h"
#include "vtkCPPythonPipeline.h"
#include "vtkNew.h"
#include "vtkPartitionedDataSetCollection.h"
#include "vtkSmartPointer.h"

#include <chrono>
#include <filesystem>
#include <fstream>

namespace cnnslicer
{

namespace
{

double secondsSince(std::chrono::steady_clock::time_point start)
{
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

class InSituProbe::Internals
{
public:
  InSituOptions Options;
  vtkSmartPointer<vtkCPProcessor> Processor;
  std::unique_ptr<ModelCapture> Capture;
  std::vector<std::int64_t> CapturedShape;
  InSituStatistics Statistics;
};

InSituProbe::InSituProbe(InSituOptions options)
  : Impl(std::make_unique<Internals>())
{
  const auto start = std::chrono::steady_clock::now();
  Internals& internals = *this->Impl;
  internals.Options = std::move(options);
  if (internals.Options.Scripts.empty())
  {
    throw InSituError("no Catalyst script given; pass the path of a Catalyst Python script "
                      "such as Examples/Catalyst/cnnslicer_catalyst.py");
  }
  for (std::string& script : internals.Options.Scripts)
  {
    if (!std::ifstream(script).good())
    {
      throw InSituError("Catalyst script '" + script + "' does not exist or cannot be read");
    }
    // Catalyst works in its output folder and would look for a relative path there: resolve
    // it against the working directory, as every command-line tool does.
    std::error_code error;
    const std::filesystem::path absolute = std::filesystem::absolute(script, error);
    if (!error)
    {
      script = absolute.string();
    }
  }
  const std::string& directory = internals.Options.OutputDirectory;
  if (!directory.empty())
  {
    // Catalyst only warns when it cannot make the folder and then writes elsewhere.
    std::error_code error;
    std::filesystem::create_directories(directory, error);
    if (!std::filesystem::is_directory(directory, error))
    {
      throw InSituError("ParaView Catalyst could not start in '" + directory +
                        "'; check that the folder can be written");
    }
  }
  internals.Processor = vtkSmartPointer<vtkCPProcessor>::New();
  if (internals.Processor->Initialize(directory.empty() ? nullptr : directory.c_str()) == 0)
  {
    throw InSituError("ParaView Catalyst could not start" +
                      (directory.empty() ? std::string() : " in '" + directory + "'") +
                      "; check that the folder can be written");
  }
  for (const std::string& script : internals.Options.Scripts)
  {
    vtkSmartPointer<vtkCPPythonPipeline> pipeline =
      vtkCPPythonPipeline::CreateAndInitializePipeline(script.c_str(), 2);
    if (!pipeline)
    {
      internals.Processor->Finalize();
      throw InSituError("Catalyst script '" + script +
                        "' could not be loaded (the Python error is printed above); run it "
                        "once with pvpython to find the problem");
    }
    internals.Processor->AddPipeline(pipeline);
  }
  internals.Statistics.InitializeSeconds = secondsSince(start);
}

InSituProbe::~InSituProbe()
{
  try
  {
    this->finalize();
  }
  catch (...)
  {
    // A destructor must not throw; finalize() only throws what Catalyst's scripts raised.
  }
}

void InSituProbe::finalize()
{
  if (this->Impl->Processor)
  {
    this->Impl->Processor->Finalize();
    this->Impl->Processor = nullptr;
  }
}

bool InSituProbe::probe(std::size_t step, const torch::jit::Module& module, const ProbeBatch& batch)
{
  Internals& internals = *this->Impl;
  if (!internals.Processor)
  {
    throw InSituError("the in-situ probe was finalized; create a new one to probe again");
  }
  if (batch.Values == nullptr || batch.Samples == 0)
  {
    throw InSituError("the probe batch is empty; give it at least one sample");
  }
  const char* channel = internals.Options.Channel.c_str();
  vtkNew<vtkCPDataDescription> description;
  description->AddInput(channel);
  description->SetTimeData(static_cast<double>(step), static_cast<vtkIdType>(step));
  if (internals.Processor->RequestDataDescription(description) == 0)
  {
    return false;
  }

  const auto captureStart = std::chrono::steady_clock::now();
  if (!internals.Capture || !internals.Capture->captures(module))
  {
    internals.Capture = std::make_unique<ModelCapture>(module, internals.Options.Granularity);
    internals.CapturedShape.clear();
  }
  if (internals.CapturedShape != batch.SampleShape)
  {
    internals.Capture->inferShapes(batch.SampleShape);
    internals.CapturedShape = batch.SampleShape;
  }
  std::size_t valuesPerSample = 1;
  for (const std::int64_t d : batch.SampleShape)
  {
    valuesPerSample *= static_cast<std::size_t>(d);
  }
  vtkCNNActivationCollectionBuilder::Options options;
  options.BatchSize = internals.Options.BatchSize;
  options.Threads = internals.Options.LayoutThreads;
  vtkCNNActivationCollectionBuilder builder(
    *internals.Capture, batch.SampleShape, batch.Samples, options);
  builder.Run([&](std::size_t first, std::size_t)
              { return batch.Values + first * valuesPerSample; });
  auto collection = vtkSmartPointer<vtkPartitionedDataSetCollection>::New();
  vtkCNNActivationCollectionBuilder::SampleInfo info;
  info.SampleIds = batch.SampleIds;
  info.Labels = batch.Labels;
  info.ClassNames = internals.Options.ClassNames;
  builder.Assemble(collection, nullptr, info);
  internals.Statistics.CaptureSeconds += secondsSince(captureStart);

  const auto catalystStart = std::chrono::steady_clock::now();
  description->GetInputDescriptionByName(channel)->SetGrid(collection);
  // A version-2 script is imported at the first probe, which comes before the first training
  // step: a script that fails to import, initialise or run stops the training here instead
  // of letting it go on without extracts.
  if (internals.Processor->CoProcess(description) == 0)
  {
    std::string scripts;
    for (const std::string& script : internals.Options.Scripts)
    {
      scripts += (scripts.empty() ? "'" : ", '") + script + "'";
    }
    throw InSituError("the Catalyst script " + scripts + " failed at step " + std::to_string(step) +
                      " (its Python error is printed above); run it once with pvbatch to "
                      "find the problem");
  }
  internals.Statistics.CatalystSeconds += secondsSince(catalystStart);
  ++internals.Statistics.Probes;
  return true;
}

const InSituStatistics& InSituProbe::statistics() const
{
  return this->Impl->Statistics;
}

const InSituOptions& InSituProbe::options() const
{
  return this->Impl->Options;
}

} // namespace cnnslicer
