#include "ActivationLayout.h"

#include <algorithm>
#include <set>
#include <stdexcept>

namespace cnnslicer
{

template<typename T>
std::string ActivationLayout<T>::validate() const
{
  if (NumberOfPoints == 0 || NumberOfSamples == 0)
  {
    return "the activation array is empty (" + std::to_string(NumberOfPoints) + " points x " +
           std::to_string(NumberOfSamples) + " samples)";
  }
  if (Values == nullptr)
  {
    return "the activation array has no data";
  }
  if (NumberOfChannels == 0 || NumberOfPoints % NumberOfChannels != 0)
  {
    return std::to_string(NumberOfPoints) + " points do not split into " +
           std::to_string(NumberOfChannels) + " channels of equal size";
  }
  return std::string();
}

template struct ActivationLayout<float>;
template struct ActivationLayout<double>;

template<typename T>
void requireValidInputs(const ActivationLayout<T>& layout,
                        const SampleGrouping& grouping,
                        const std::string& optionsProblem)
{
  std::string problem = optionsProblem;
  if (problem.empty())
  {
    problem = layout.validate();
  }
  if (problem.empty() && grouping.numberOfSamples() != layout.NumberOfSamples)
  {
    problem = "the sample grouping has " + std::to_string(grouping.numberOfSamples()) +
              " entries but the activations have " + std::to_string(layout.NumberOfSamples) +
              " samples";
  }
  if (problem.empty() && (grouping.numberOfGroups() == 0 || grouping.selectedCount() == 0))
  {
    problem = "no sample is selected (the class selection matches no label)";
  }
  if (!problem.empty())
  {
    throw std::invalid_argument(problem);
  }
}

template void requireValidInputs<float>(const ActivationLayout<float>&,
                                        const SampleGrouping&,
                                        const std::string&);
template void requireValidInputs<double>(const ActivationLayout<double>&,
                                         const SampleGrouping&,
                                         const std::string&);

SampleGrouping SampleGrouping::all(std::size_t numberOfSamples)
{
  SampleGrouping grouping;
  grouping.Group.assign(numberOfSamples, 0);
  grouping.GroupLabel = { 0 };
  grouping.HasClasses = false;
  return grouping;
}

SampleGrouping SampleGrouping::fromLabels(const std::vector<std::int64_t>& labels,
                                          const std::vector<std::int64_t>& selectedClasses)
{
  const std::set<std::int64_t> wanted(selectedClasses.begin(), selectedClasses.end());
  std::set<std::int64_t> present;
  for (const std::int64_t label : labels)
  {
    if (label >= 0 && (wanted.empty() || wanted.count(label) > 0))
    {
      present.insert(label);
    }
  }
  SampleGrouping grouping;
  grouping.HasClasses = true;
  grouping.GroupLabel.assign(present.begin(), present.end());
  grouping.Group.resize(labels.size());
  for (std::size_t n = 0; n < labels.size(); ++n)
  {
    const auto it =
      std::lower_bound(grouping.GroupLabel.begin(), grouping.GroupLabel.end(), labels[n]);
    const bool selected = it != grouping.GroupLabel.end() && *it == labels[n];
    grouping.Group[n] = selected ? static_cast<std::int32_t>(it - grouping.GroupLabel.begin()) : -1;
  }
  return grouping;
}

std::size_t SampleGrouping::selectedCount() const
{
  return static_cast<std::size_t>(
    std::count_if(Group.begin(), Group.end(), [](std::int32_t g) { return g >= 0; }));
}

} // namespace cnnslicer
