#include "TrainingOptions.h"

#include <cmath>
#include <iomanip>
#include <sstream>

namespace cnnslicer
{

// %.17g would print 0.05 as 0.050000000000000003.
std::string shortestNumber(double value)
{
  for (int digits = 6; digits <= 17; ++digits)
  {
    std::ostringstream text;
    text << std::setprecision(digits) << value;
    if (std::stod(text.str()) == value)
    {
      return text.str();
    }
  }
  return std::to_string(value);
}

const char* optimizerName(OptimizerKind kind)
{
  return kind == OptimizerKind::Adam ? "adam" : "sgd";
}

bool parseOptimizer(const std::string& name, OptimizerKind& kind)
{
  for (const auto candidate : { OptimizerKind::Sgd, OptimizerKind::Adam })
  {
    if (name == optimizerName(candidate))
    {
      kind = candidate;
      return true;
    }
  }
  return false;
}

void validateTrainingOptions(const TrainingOptions& options)
{
  if (options.BatchSize == 0 || options.EvaluationBatchSize == 0)
  {
    throw TrainingError("the batch size is 0; give a positive batch size");
  }
  if (!(options.LearningRate > 0.0) || !std::isfinite(options.LearningRate))
  {
    throw TrainingError("the learning rate " + shortestNumber(options.LearningRate) +
                        " is not positive; give a rate such as 0.05 (SGD) or 0.001 (Adam)");
  }
  if (!(options.WarmupFraction >= 0.0 && options.WarmupFraction <= 1.0))
  {
    throw TrainingError("the warm-up fraction " + shortestNumber(options.WarmupFraction) +
                        " is outside [0, 1]; give the fraction of all steps, e.g. 0.2");
  }
  if (!(options.Momentum >= 0.0 && options.Momentum < 1.0))
  {
    throw TrainingError("the momentum " + shortestNumber(options.Momentum) +
                        " is outside [0, 1); give a value such as 0.9");
  }
  if (options.Nesterov && (options.Optimizer != OptimizerKind::Sgd || !(options.Momentum > 0.0)))
  {
    throw TrainingError("Nesterov momentum needs the SGD optimizer with a momentum above 0; "
                        "give --momentum 0.9 or leave out --nesterov");
  }
  if (!(options.WeightDecay >= 0.0) || !std::isfinite(options.WeightDecay))
  {
    throw TrainingError("the weight decay " + shortestNumber(options.WeightDecay) +
                        " is negative; give 0 or a small positive value such as 5e-4");
  }
  if (options.Threads < 0)
  {
    throw TrainingError("the thread count " + std::to_string(options.Threads) +
                        " is negative; give a positive count, or 0 for the default");
  }
  if (options.Name.find('/') != std::string::npos)
  {
    throw TrainingError("the name '" + options.Name +
                        "' contains '/'; give a file name prefix and the folder with --out");
  }
}

} // namespace cnnslicer
