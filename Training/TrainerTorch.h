/**
 * @file TrainerTorch.h
 * @brief The LibTorch side of a Trainer, for code that runs the model during training
 * (an in-situ probe called from a step callback). Includes LibTorch: keep it out of
 * headers that VTK wraps.
 */
#pragma once

#include "Trainer.h"

#include <torch/script.h>

namespace cnnslicer
{

/**
 * The module @p trainer trains. Inside a step callback it is in training mode with the
 * weights after that step; run it under torch::NoGradGuard (and in evaluation mode when
 * BatchNorm statistics must not move): the trainer restores training mode afterwards.
 * With TrainingOptions::ChannelsLast its convolution weights are in channels-last order,
 * so convolution outputs are too: call contiguous() before reading a tensor's data_ptr().
 */
torch::jit::Module& trainedModule(Trainer& trainer);

} // namespace cnnslicer
