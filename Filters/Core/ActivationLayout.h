/**
 * @file ActivationLayout.h
 * @brief How one layer's activations sit in memory, and which samples take part.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace cnnslicer
{

/**
 * @brief View of one layer's activation volume (Documentation/design.md section 2.2).
 *
 * Values are point-major: value of sample n at point p is Values[p * NumberOfSamples + n]
 * (a VTK array with one component per sample). Points are ordered x fastest, then y, then
 * channel, so channel c is the contiguous point range [c * PointsPerChannel, (c+1) *
 * PointsPerChannel).
 */
template<typename T>
struct ActivationLayout
{
  const T* Values = nullptr;
  std::size_t NumberOfPoints = 0;
  std::size_t NumberOfSamples = 0;
  std::size_t NumberOfChannels = 1;

  std::size_t pointsPerChannel() const
  {
    return NumberOfChannels == 0 ? 0 : NumberOfPoints / NumberOfChannels;
  }
  const T* neuron(std::size_t point) const { return Values + point * NumberOfSamples; }
  /// Empty string when the layout is consistent, else what is wrong.
  std::string validate() const;
};

/**
 * @brief Which samples enter an estimate, and the class (group) of each.
 *
 * Group[n] is in [0, numberOfGroups()) for a selected sample and -1 for an excluded one.
 * Without labels there is one group holding every selected sample; with labels each
 * selected class is one group, in increasing label order (GroupLabel[g] is its label).
 */
class SampleGrouping
{
public:
  /// All @p numberOfSamples samples, one group, no class conditioning.
  static SampleGrouping all(std::size_t numberOfSamples);

  /**
   * Groups by label. @p selectedClasses empty means every class present; otherwise only
   * samples whose label is listed take part. Negative labels mean "unlabelled" and are
   * excluded when classes are used.
   */
  static SampleGrouping fromLabels(const std::vector<std::int64_t>& labels,
                                   const std::vector<std::int64_t>& selectedClasses = {});

  std::size_t numberOfSamples() const { return Group.size(); }
  int numberOfGroups() const { return static_cast<int>(GroupLabel.size()); }
  std::size_t selectedCount() const;
  /// True when groups are classes (H(T|Y) and I(T;Y) are meaningful).
  bool hasClasses() const { return HasClasses; }

  std::vector<std::int32_t> Group;
  std::vector<std::int64_t> GroupLabel;
  bool HasClasses = false;
};

/**
 * @brief The checks every estimator makes before it runs: throws std::invalid_argument
 * with @p optionsProblem when that is not empty (the estimator's own options), else with
 * what is wrong with @p layout, a @p grouping of another size, or a grouping that selects
 * no sample.
 */
template<typename T>
void requireValidInputs(const ActivationLayout<T>& layout,
                        const SampleGrouping& grouping,
                        const std::string& optionsProblem);

} // namespace cnnslicer
