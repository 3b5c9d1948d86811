/**
 * @file ModelCapture.h
 * @brief Runs a TorchScript model and captures the output of every layer
 * (Documentation/design.md section 2.1; how: Documentation/reader.md, "Capture").
 *
 * No LibTorch type appears here: the implementation (ModelCapture.cxx) is the only
 * translation unit that includes torch, which costs ~25 s and ~900 MB to compile.
 */
#pragma once

#include "TorchScriptArchive.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace torch
{
namespace jit
{
struct Module;
} // namespace jit
} // namespace torch

namespace cnnslicer
{

/// What a model file or a forward pass did wrong, as a one-line message for the user.
class CaptureError : public std::runtime_error
{
public:
  using std::runtime_error::runtime_error;
};

/// Which tensors become layers.
enum class CaptureGranularity
{
  /// The output of every leaf-module call, in execution order (default).
  Modules = 0,
  /// Leaf-module outputs plus the output of every tensor operation of the forward graph
  /// (functional F.relu, torch.flatten, residual adds, ...).
  Operations = 1
};

/// One captured layer.
struct CapturedLayer
{
  /// Module path ("features.0", "layer1.0.bn1"), "#k" for the k-th repeated call;
  /// "input" and "logits" for the model's input and output; "path/op" for operations.
  std::string Name;
  /// Module class ("Conv2d") or operation ("aten::add"); "Input", "Output".
  std::string Type;
  /// Module path without call suffix ("" for the top level).
  std::string ModulePath;
  /// Shape of one sample's output (e.g. {C, H, W} or {F}); empty until known.
  std::vector<std::int64_t> SampleShape;
  /// False when the last inferShapes() run did not reach this layer (a module in an
  /// `if` branch not taken): it has no output to show.
  bool Executed = true;
};

/**
 * @brief A TorchScript model rewritten so that one forward pass also returns every
 * layer's output.
 *
 * The forward graph is inlined top-down; each leaf-module call's output is cloned
 * (when a later in-place operation could overwrite it) and appended to a list that the
 * rewritten graph returns. Works for scripted and traced models, nested modules,
 * branches and loops, without changing the model. Frozen models (torch.jit.freeze)
 * have no module calls left: the capture then falls back to operations and says so.
 *
 * Loading a TorchScript archive runs code from the file; load only trusted models.
 */
class ModelCapture
{
public:
  /**
   * Loads @p path. Throws CaptureError with a one-line message on any problem, and before
   * loading when the file is not a TorchScript archive or declares more than
   * @p memoryLimitBytes of tensors (checkTorchScriptArchive()).
   */
  explicit ModelCapture(const std::string& path,
                        CaptureGranularity granularity = CaptureGranularity::Modules,
                        std::uint64_t memoryLimitBytes = DefaultModelMemoryLimitBytes);

  /**
   * Captures @p module itself, not a copy: a module that a training loop keeps updating
   * (the in-situ probe). Each run sees the weights of that moment. run() and
   * inferShapes() switch every submodule to evaluation mode and put each one's own
   * training flag back afterwards, so BatchNorm statistics do not move, Dropout draws no
   * random numbers, and no gradient is recorded (inference mode).
   */
  explicit ModelCapture(const torch::jit::Module& module,
                        CaptureGranularity granularity = CaptureGranularity::Modules);
  ~ModelCapture();
  ModelCapture(const ModelCapture&) = delete;
  ModelCapture& operator=(const ModelCapture&) = delete;

  /// True when this captures @p module itself (the same module object).
  bool captures(const torch::jit::Module& module) const;

  /// The archive's `cnnslicer.json` extra file, or "" when it has none.
  const std::string& metadata() const;
  /// Layers in execution order: "input", then the captured layers, then "logits".
  const std::vector<CapturedLayer>& layers() const;
  /// True when module granularity was asked for but the model has no module calls.
  bool fellBackToOperations() const;
  /// The granularity actually used.
  CaptureGranularity granularity() const;

  /**
   * Runs one zero sample of @p sampleShape ({C, H, W}) to learn every layer's output
   * shape. Throws CaptureError when the model rejects that input shape.
   */
  void inferShapes(const std::vector<std::int64_t>& sampleShape);

  /// Receives layer @p index's output for a batch: @p shape[0] samples, contiguous float32.
  using LayerSink = std::function<
    void(std::size_t index, const float* data, const std::vector<std::int64_t>& shape)>;

  /**
   * Forward pass of @p batchSize samples (float32, contiguous N x sampleShape) in
   * inference mode; calls @p sink for every layer whose entry in @p wanted is true (all
   * when @p wanted is empty), in execution order.
   */
  void run(const float* batch,
           std::int64_t batchSize,
           const std::vector<std::int64_t>& sampleShape,
           const std::vector<bool>& wanted,
           const LayerSink& sink);

  /// Plain forward pass of the unmodified model (the reference for capture overhead).
  void runPlain(const float* batch,
                std::int64_t batchSize,
                const std::vector<std::int64_t>& sampleShape);

  /// LibTorch intra-op threads (global to the process); <= 0 means every core.
  static void setThreads(int threads);
  static int threads();

private:
  class Internals;
  std::unique_ptr<Internals> Impl;
};

} // namespace cnnslicer
