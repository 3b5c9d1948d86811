#include "EntropyTypes.h"

#include "ActivationLayout.h"

#include <algorithm>

namespace cnnslicer
{

void ScopeEntropy::resize(std::size_t n,
                          const SampleGrouping& grouping,
                          bool continuous,
                          bool perClass)
{
  const int numberOfClasses = grouping.hasClasses() ? grouping.numberOfGroups() : 0;
  Entropy.assign(n, NotANumber);
  Count.assign(n, 0);
  NonFinite.assign(n, 0);
  if (numberOfClasses > 0)
  {
    ConditionalEntropy.assign(n, NotANumber);
    MutualInformation.assign(n, NotANumber);
  }
  else
  {
    ConditionalEntropy.clear();
    MutualInformation.clear();
  }
  ClassEntropy.clear();
  if (numberOfClasses > 0 && perClass)
  {
    ClassEntropy.assign(numberOfClasses, std::vector<double>(n, NotANumber));
  }
  if (continuous)
  {
    AtomProbability.assign(n, NotANumber);
    ContinuousEntropy.assign(n, NotANumber);
    AtomCount.assign(n, 0);
  }
}

std::size_t ScopeEntropy::undefinedCount() const
{
  return static_cast<std::size_t>(
    std::count_if(Entropy.begin(), Entropy.end(), [](double h) { return std::isnan(h); }));
}

} // namespace cnnslicer
