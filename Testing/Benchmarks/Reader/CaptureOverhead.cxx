// Capture overhead (Documentation/performance.md section 4): the all-layers forward of the
// rewritten graph against the
// plain forward of the same TorchScript model, same batch, same threads; and the same
// capture with every layer written into its activation volume (the reader's layout: one
// component per sample, ranges kept for the range cache), which is what the reader does
// per batch before VTK sees the data.
//
//   CNNSlicerCaptureBenchmark MODEL.pt C H W [--batch=256] [--threads=0] [Google Benchmark flags]
//
// --threads: LibTorch and layout threads, 0 = every core. With 1, Google Benchmark's CPU
// time covers all the work, a measure that a busy machine disturbs less than wall time.
#include "ActivationVolume.h"
#include "ModelCapture.h"

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace
{

struct Workload
{
  std::string Model;
  std::vector<std::int64_t> SampleShape;
  std::int64_t Batch = 256;
  int Threads = 0;
  std::vector<float> Input;
};

Workload workload;

void PlainForward(benchmark::State& state)
{
  cnnslicer::ModelCapture capture(workload.Model);
  // TorchScript's profiling executor specialises the graph over the first runs.
  for (int warmUp = 0; warmUp < 3; ++warmUp)
  {
    capture.runPlain(workload.Input.data(), workload.Batch, workload.SampleShape);
  }
  for (auto _ : state)
  {
    capture.runPlain(workload.Input.data(), workload.Batch, workload.SampleShape);
  }
  state.SetItemsProcessed(state.iterations() * workload.Batch);
}

void CaptureAllLayers(benchmark::State& state)
{
  cnnslicer::ModelCapture capture(workload.Model);
  capture.inferShapes(workload.SampleShape);
  double checksum = 0.0;
  const auto sink = [&](std::size_t, const float* data, const std::vector<std::int64_t>&)
  { checksum += data[0]; };
  for (int warmUp = 0; warmUp < 3; ++warmUp)
  {
    capture.run(workload.Input.data(), workload.Batch, workload.SampleShape, {}, sink);
  }
  for (auto _ : state)
  {
    // The sink touches one value per layer, as a consumer must at least do.
    capture.run(workload.Input.data(),
                workload.Batch,
                workload.SampleShape,
                {},
                [&](std::size_t, const float* data, const std::vector<std::int64_t>&)
                { checksum += data[0]; });
  }
  benchmark::DoNotOptimize(checksum);
  state.SetItemsProcessed(state.iterations() * workload.Batch);
  state.counters["layers"] = static_cast<double>(capture.layers().size());
}

/// Capture plus the reader's layout: each iteration writes one batch into volumes of
/// VolumeBatches batches, at the next batch position (the reader fills them in order).
void CaptureIntoVolumes(benchmark::State& state)
{
  constexpr std::int64_t VolumeBatches = 4;
  cnnslicer::ModelCapture capture(workload.Model);
  capture.inferShapes(workload.SampleShape);
  const auto samples = static_cast<std::size_t>(workload.Batch * VolumeBatches);
  std::vector<std::vector<float>> volumes;
  std::vector<std::unique_ptr<cnnslicer::ActivationVolumeWriter>> writers;
  for (const auto& layer : capture.layers())
  {
    const auto geometry = cnnslicer::VolumeGeometry::fromSampleShape(layer.SampleShape);
    volumes.emplace_back(geometry.points() * samples, 0.0f);
    writers.push_back(std::make_unique<cnnslicer::ActivationVolumeWriter>(
      volumes.back().data(), geometry, samples, workload.Threads));
  }
  std::int64_t position = 0;
  const auto sink = [&](std::size_t index, const float* data, const std::vector<std::int64_t>&)
  {
    writers[index]->write(data,
                          static_cast<std::size_t>(workload.Batch),
                          static_cast<std::size_t>(position * workload.Batch));
  };
  for (int warmUp = 0; warmUp < 3; ++warmUp)
  {
    capture.run(workload.Input.data(), workload.Batch, workload.SampleShape, {}, sink);
  }
  for (auto _ : state)
  {
    capture.run(workload.Input.data(), workload.Batch, workload.SampleShape, {}, sink);
    position = (position + 1) % VolumeBatches;
  }
  benchmark::DoNotOptimize(volumes.front().data());
  state.SetItemsProcessed(state.iterations() * workload.Batch);
  state.counters["layers"] = static_cast<double>(capture.layers().size());
}

} // namespace

int main(int argc, char** argv)
{
  benchmark::Initialize(&argc, argv);
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i)
  {
    const std::string arg = argv[i];
    if (arg.rfind("--batch=", 0) == 0)
    {
      workload.Batch = std::stoll(arg.substr(8));
    }
    else if (arg.rfind("--threads=", 0) == 0)
    {
      workload.Threads = std::stoi(arg.substr(10));
    }
    else
    {
      positional.push_back(arg);
    }
  }
  if (positional.size() != 4)
  {
    std::cerr << "usage: CNNSlicerCaptureBenchmark MODEL.pt C H W [--batch=256] [--threads=0]\n";
    return 2;
  }
  workload.Model = positional[0];
  workload.SampleShape = { std::stoll(positional[1]),
                           std::stoll(positional[2]),
                           std::stoll(positional[3]) };
  std::mt19937 rng(7);
  std::normal_distribution<float> normal;
  workload.Input.resize(static_cast<std::size_t>(
    workload.Batch * workload.SampleShape[0] * workload.SampleShape[1] * workload.SampleShape[2]));
  for (float& v : workload.Input)
  {
    v = normal(rng);
  }
  cnnslicer::ModelCapture::setThreads(workload.Threads);
  benchmark::RegisterBenchmark("PlainForward", PlainForward)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
  benchmark::RegisterBenchmark("CaptureAllLayers", CaptureAllLayers)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
  benchmark::RegisterBenchmark("CaptureIntoVolumes", CaptureIntoVolumes)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
