/**
 * @file Trainer.h
 * @brief Trains a TorchScript CNN in C++ and writes one checkpoint per epoch.
 *
 * No LibTorch type appears here (Trainer.cxx is the only translation unit of the training
 * library that includes torch, ~25 s and ~900 MB to compile); code that needs the module
 * itself, such as an in-situ probe, includes TrainerTorch.h.
 */
#pragma once

#include "Dataset.h"
#include "ModelMetadata.h"
#include "Preprocessing.h"
#include "TrainingOptions.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace cnnslicer
{

/// State after one optimizer step, given to every step callback.
struct StepInfo
{
  /// Steps done over the whole run, 1 after the first one.
  std::size_t Step = 0;
  std::size_t TotalSteps = 0;
  /// 1-based.
  std::size_t Epoch = 0;
  std::size_t Epochs = 0;
  /// 1-based batch index within the epoch.
  std::size_t Batch = 0;
  std::size_t BatchesPerEpoch = 0;
  /// Samples in this batch.
  std::size_t BatchSamples = 0;
  /// Mean cross-entropy of this batch (nats), before the step.
  double Loss = 0.0;
  /// Mean cross-entropy and accuracy over the epoch's samples so far (training mode).
  double RunningLoss = 0.0;
  double RunningAccuracy = 0.0;
  /// The rate this step used.
  double LearningRate = 0.0;
  double ElapsedSeconds = 0.0;
  /// Estimated seconds until the run ends, evaluations included.
  double RemainingSeconds = 0.0;
};

/// The result of one epoch (epoch 0: the initial weights, before any step).
struct EpochResult
{
  std::size_t Epoch = 0;
  /// Steps done when the checkpoint was written.
  std::size_t Steps = 0;
  /// The rate of the epoch's last step (0 for epoch 0).
  double LearningRate = 0.0;
  /// Mean cross-entropy (nats) and accuracy over the epoch's training batches, in training
  /// mode while the weights changed; NaN for epoch 0.
  double TrainLoss = 0.0;
  double TrainAccuracy = 0.0;
  /// Mean cross-entropy and accuracy on the test samples in evaluation mode.
  double TestLoss = 0.0;
  double TestAccuracy = 0.0;
  double TrainSeconds = 0.0;
  double EvaluationSeconds = 0.0;
  double ElapsedSeconds = 0.0;
  std::string Checkpoint;
};

/// What run() did.
struct TrainingSummary
{
  /// Epoch 0, 1, ... up to the last finished epoch.
  std::vector<EpochResult> Epochs;
  /// True when requestStop() ended the run before its last epoch finished.
  bool Interrupted = false;
  std::size_t Steps = 0;
  double Seconds = 0.0;
  std::string HistoryFile;
};

/**
 * @brief Trains a TorchScript classifier with cross-entropy on labelled images.
 *
 * run() evaluates and saves the initial weights as epoch 0, then for every epoch shuffles
 * the training samples (seeded), preprocesses and augments each batch, takes one optimizer
 * step per batch, evaluates on the test samples (evaluation mode, no gradients) and saves
 * `<Name>_epoch_NN.pt` in evaluation mode. Each checkpoint carries the model's
 * `cnnslicer.json` plus the fields `epoch`, `accuracy` (test), `test_loss`, `train_loss`,
 * `train_accuracy` and `training` (the options). A last batch of one sample is merged
 * into the one before it (BatchNorm cannot train on a single sample).
 *
 * Step callbacks run after every step, in the order they were added, with the module in
 * training mode; they may run the module (e.g. under no-grad in evaluation mode): the
 * trainer puts it back into training mode afterwards. Loading a TorchScript archive runs
 * code from the file; load only trusted models.
 */
class Trainer
{
public:
  /// Loads @p modelPath. Throws TrainingError (model) or DatasetError (cnnslicer.json).
  Trainer(const std::string& modelPath, const TrainingOptions& options);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  using StepCallback = std::function<void(const StepInfo&, Trainer&)>;
  using EpochCallback = std::function<void(const EpochResult&, Trainer&)>;
  using MessageSink = std::function<void(const std::string&)>;

  void addStepCallback(StepCallback callback);
  void addEpochCallback(EpochCallback callback);
  /// Receives notes that are not errors (e.g. a model without normalization metadata).
  void setMessageSink(MessageSink sink);

  /**
   * Trains on @p train and evaluates on @p test. Throws TrainingError or DatasetError when
   * the data does not fit the model (shape, missing labels, more classes than outputs) or
   * when the loss stops being finite; checkpoints written before stay.
   */
  TrainingSummary run(const Dataset& train, const Dataset& test);

  /// Ends run() after the current batch (safe to call from a signal handler).
  void requestStop() noexcept;
  bool stopRequested() const noexcept;

  const TrainingOptions& options() const;
  const ModelMetadata& metadata() const;
  /// The preprocessing of every model input (metadata with the options' overrides).
  const PreprocessingOptions& preprocessing() const;
  /// `<OutputDirectory>/<Name>_epoch_NN.pt` (at least two digits).
  std::string checkpointPath(std::size_t epoch) const;
  /// Saves the current weights in evaluation mode, with the metadata of the state so far.
  void saveCheckpoint(const std::string& path);

  /// LibTorch state, for TrainerTorch.h.
  class Internals;
  Internals& internals();

private:
  std::unique_ptr<Internals> Impl;
};

} // namespace cnnslicer
