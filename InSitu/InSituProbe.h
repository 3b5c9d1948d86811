/**
 * @file InSituProbe.h
 * @brief The in-situ probe: hands a training model's activations to ParaView Catalyst.
 *
 * A C++ training loop creates one probe (Catalyst starts, the scripts load), calls
 * probe() every K steps with the model and a fixed probe batch, and finalize() at the end
 * (or lets the destructor do it). Each probe captures every layer's output with the
 * reader's capture (cnnslicer::ModelCapture) and builds the reader's data model
 * (vtkCNNActivationCollectionBuilder, Documentation/design.md section 2), so a Catalyst
 * script runs the same filters on it as pvpython runs on a checkpoint. The data goes to
 * Catalyst as the input named by InSituOptions::Channel ("activations") with time = step.
 *
 * The probe does not change training: the forward pass runs in inference mode (no
 * gradient is recorded), every module in evaluation mode (BatchNorm statistics stay,
 * Dropout draws no random numbers), and each module's own training flag is put back
 * afterwards; LibTorch's thread count is left alone.
 *
 * No LibTorch header here: the module is only forward-declared (ModelCapture.h).
 */
#pragma once

#include "ModelCapture.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace cnnslicer
{

/// A Catalyst problem (a script that does not load or run), as one line for the user.
class InSituError : public std::runtime_error
{
public:
  using std::runtime_error::runtime_error;
};

/// How the probe talks to Catalyst.
struct InSituOptions
{
  /// Catalyst Python scripts (ParaView 5.9+ "V2" scripts: `from paraview.simple import *`,
  /// a producer named as the channel, extractors). At least one.
  std::vector<std::string> Scripts;
  /// Name of the Catalyst input (the producer's registration name in the scripts).
  std::string Channel = "activations";
  /// Catalyst's working directory: the scripts' relative output paths start there
  /// (created when missing); empty = the current directory.
  std::string OutputDirectory;
  /// Samples per forward pass of a probe (the reader's BatchSize default).
  std::size_t BatchSize = 256;
  /// Threads that lay the activations out; 0 = every core.
  int LayoutThreads = 0;
  CaptureGranularity Granularity = CaptureGranularity::Modules;
  /// Written as the collection's `class_names`.
  std::vector<std::string> ClassNames;
};

/// The probe batch: the same samples at every probe, preprocessed as the model expects.
struct ProbeBatch
{
  /// Samples x sample shape floats, contiguous.
  const float* Values = nullptr;
  std::size_t Samples = 0;
  /// (C, H, W) of one sample.
  std::vector<std::int64_t> SampleShape;
  /// One class per sample (empty: unlabelled).
  std::vector<std::int64_t> Labels;
  /// One id per sample (e.g. the index in the dataset; empty: 0, 1, ...).
  std::vector<std::int64_t> SampleIds;
};

/// Time spent so far, for reporting the probe's cost.
struct InSituStatistics
{
  std::size_t Probes = 0;
  /// Forward passes and layout.
  double CaptureSeconds = 0.0;
  /// The Catalyst scripts (filters, extracts, Live).
  double CatalystSeconds = 0.0;
  double InitializeSeconds = 0.0;
};

class InSituProbe
{
public:
  /**
   * Starts Catalyst and loads the scripts. Throws InSituError when a script is missing
   * or cannot be loaded (Catalyst prints the Python error first).
   */
  explicit InSituProbe(InSituOptions options);
  /// Finalizes Catalyst when finalize() was not called.
  ~InSituProbe();
  InSituProbe(const InSituProbe&) = delete;
  InSituProbe& operator=(const InSituProbe&) = delete;

  /**
   * Captures @p module's activations on @p batch and runs the scripts with time and time
   * step @p step. Returns false when no script wanted this step (nothing was captured).
   * Throws CaptureError when the model fails on the batch.
   */
  bool probe(std::size_t step, const torch::jit::Module& module, const ProbeBatch& batch);

  /// Ends Catalyst (the scripts' catalyst_finalize runs); later probes throw.
  void finalize();

  const InSituStatistics& statistics() const;
  const InSituOptions& options() const;

private:
  class Internals;
  std::unique_ptr<Internals> Impl;
};

} // namespace cnnslicer
