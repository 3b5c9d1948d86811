#include "LearningRateSchedule.h"

#include <algorithm>
#include <cmath>

namespace cnnslicer
{

namespace
{

constexpr double Pi = 3.14159265358979323846;
/// OneCycleLR's defaults: the cycle starts at peak / 25 and ends at peak / 25 / 1e4.
constexpr double InitialDivisor = 25.0;
constexpr double FinalDivisor = 1e4;

/// PyTorch's _annealing_cos: from @p start (fraction 0) to @p end (fraction 1) along half a
/// cosine period.
double annealCosine(double start, double end, double fraction)
{
  return end + (start - end) / 2.0 * (std::cos(Pi * fraction) + 1.0);
}

} // namespace

const char* learningRateScheduleName(LearningRateScheduleKind kind)
{
  switch (kind)
  {
    case LearningRateScheduleKind::Cosine:
      return "cosine";
    case LearningRateScheduleKind::OneCycle:
      return "onecycle";
    case LearningRateScheduleKind::Constant:
      break;
  }
  return "constant";
}

bool parseLearningRateSchedule(const std::string& name, LearningRateScheduleKind& kind)
{
  for (const auto candidate : { LearningRateScheduleKind::Constant,
                                LearningRateScheduleKind::Cosine,
                                LearningRateScheduleKind::OneCycle })
  {
    if (name == learningRateScheduleName(candidate))
    {
      kind = candidate;
      return true;
    }
  }
  return false;
}

double LearningRateSchedule::rateAt(std::size_t step) const
{
  const double total = static_cast<double>(std::max<std::size_t>(this->TotalSteps, 1));
  const double current = static_cast<double>(std::min(step, this->TotalSteps - 1));
  const double warmupSteps = std::clamp(this->WarmupFraction, 0.0, 1.0) * total;

  if (this->Kind == LearningRateScheduleKind::OneCycle)
  {
    // PyTorch's OneCycleLR (three_phase=False): phase ends at steps pct*total - 1 and
    // total - 1, each phase a cosine between its start and end rates.
    const double initial = this->PeakRate / InitialDivisor;
    const double minimum = initial / FinalDivisor;
    const double riseEnd = warmupSteps - 1.0;
    const double fallEnd = total - 1.0;
    if (current <= riseEnd && riseEnd > 0.0)
    {
      return annealCosine(initial, this->PeakRate, current / riseEnd);
    }
    const double fallStart = std::max(riseEnd, 0.0);
    if (fallEnd <= fallStart)
    {
      return this->PeakRate;
    }
    return annealCosine(this->PeakRate, minimum, (current - fallStart) / (fallEnd - fallStart));
  }

  if (current < warmupSteps)
  {
    // Linear warm-up (Goyal et al., "Accurate, Large Minibatch SGD", 2017), reaching the
    // peak at the first step after the warm-up.
    const double start = this->PeakRate / InitialDivisor;
    return start + (this->PeakRate - start) * current / warmupSteps;
  }
  if (this->Kind == LearningRateScheduleKind::Cosine)
  {
    const double span = total - warmupSteps;
    return annealCosine(this->PeakRate, 0.0, (current - warmupSteps) / span);
  }
  return this->PeakRate;
}

} // namespace cnnslicer
