/**
 * @file TrainingOptions.h
 * @brief What decides a training run (LibTorch-free, shared by the trainer and the
 * command line).
 */
#pragma once

#include "BatchAugmentation.h"
#include "LearningRateSchedule.h"
#include "Preprocessing.h"

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace cnnslicer
{

/// A model, option or training problem, as one line for the user: what is wrong and what
/// to do.
class TrainingError : public std::runtime_error
{
public:
  using std::runtime_error::runtime_error;
};

/// Shortest decimal text that reads back as @p value (for messages and files).
std::string shortestNumber(double value);

/// The optimizers the trainer offers.
enum class OptimizerKind
{
  /// Stochastic gradient descent with momentum (PyTorch's SGD: optional Nesterov momentum,
  /// weight decay as an L2 term added to the gradient).
  Sgd = 0,
  /// Adam (Kingma & Ba, ICLR 2015), betas 0.9 and 0.999, weight decay as an L2 term.
  Adam = 1
};

/// "sgd", "adam".
const char* optimizerName(OptimizerKind kind);

/// The kind named @p name (as optimizerName() spells it); false when unknown.
bool parseOptimizer(const std::string& name, OptimizerKind& kind);

/// Everything that decides a training run. Same options, seed and thread count, same
/// checkpoints, bit for bit.
struct TrainingOptions
{
  std::size_t Epochs = 10;
  std::size_t BatchSize = 128;
  /// Batch size of the test-set evaluation (no gradients, so larger batches are cheap).
  std::size_t EvaluationBatchSize = 1000;
  OptimizerKind Optimizer = OptimizerKind::Sgd;
  /// The peak learning rate of the schedule.
  double LearningRate = 0.05;
  LearningRateScheduleKind Schedule = LearningRateScheduleKind::Constant;
  /// Fraction of all steps spent warming up (see LearningRateSchedule).
  double WarmupFraction = 0.0;
  /// SGD only.
  double Momentum = 0.9;
  /// SGD only; needs Momentum > 0.
  bool Nesterov = false;
  double WeightDecay = 0.0;
  AugmentationKind Augmentation = AugmentationKind::None;
  /// Pixels of padding of the CropFlip augmentation.
  std::size_t CropPadding = 4;
  /// Seeds LibTorch's generator (dropout) and the sample order and augmentation.
  std::uint64_t Seed = 0;
  /// LibTorch intra-op threads; 0 keeps the process's current setting.
  int Threads = 0;
  /// Normalization that replaces the model's cnnslicer.json values.
  PreprocessingOverrides Preprocessing;
  /// Where the checkpoints and the history go (created when missing).
  std::string OutputDirectory = ".";
  /// File name prefix: `<Name>_epoch_NN.pt`, `<Name>_history.csv`. Empty: the model's
  /// `architecture` from cnnslicer.json, else the model file's stem.
  std::string Name;
  /// Replace checkpoints of an earlier run with the same name (else that is an error).
  bool Overwrite = false;
  /// Convolution weights and input batches in channels-last (NHWC) memory order while
  /// training: oneDNN's convolutions run about 20% faster that way on this CPU (VGG-style
  /// net, batch 128, 2 threads). Results differ from NCHW in the last bits, not in
  /// reproducibility; checkpoints are always saved in the standard (NCHW) order.
  bool ChannelsLast = false;
};

/// Throws TrainingError when @p options cannot work (zero epochs or batch size, a
/// learning rate that is not positive, Nesterov without momentum, ...).
void validateTrainingOptions(const TrainingOptions& options);

} // namespace cnnslicer
