/**
 * @file LearningRateSchedule.h
 * @brief The learning rate of every optimizer step: constant, cosine or one-cycle.
 */
#pragma once

#include <cstddef>
#include <string>

namespace cnnslicer
{

/// How the learning rate changes over the steps of a training run.
enum class LearningRateScheduleKind
{
  /// The peak rate at every step (after the optional warm-up).
  Constant = 0,
  /// Cosine annealing from the peak rate to 0 (Loshchilov & Hutter, SGDR, ICLR 2017,
  /// without restarts), after the optional warm-up.
  Cosine = 1,
  /// Smith & Topin's one-cycle policy ("Super-Convergence", 2019) as PyTorch's OneCycleLR
  /// computes it with anneal_strategy="cos", div_factor=25, final_div_factor=1e4 and no
  /// momentum cycling: cosine rise from peak/25 to the peak over the warm-up fraction of
  /// the steps, then cosine decay to peak/25/1e4.
  OneCycle = 2
};

/// "constant", "cosine", "onecycle".
const char* learningRateScheduleName(LearningRateScheduleKind kind);

/// The kind named @p name (as learningRateScheduleName() spells it); false when unknown.
bool parseLearningRateSchedule(const std::string& name, LearningRateScheduleKind& kind);

/**
 * @brief A schedule over a fixed number of steps.
 *
 * Warm-up: the first WarmupFraction of the steps. For Constant and Cosine it rises
 * linearly from PeakRate / 25 to PeakRate; for OneCycle it is the cycle's rising phase
 * (PyTorch's pct_start).
 */
struct LearningRateSchedule
{
  LearningRateScheduleKind Kind = LearningRateScheduleKind::Constant;
  double PeakRate = 0.01;
  double WarmupFraction = 0.0;
  std::size_t TotalSteps = 1;

  /// Learning rate of step @p step (0-based, < TotalSteps).
  double rateAt(std::size_t step) const;
};

} // namespace cnnslicer
