/**
 * @file SampleSelection.h
 * @brief Which samples of a dataset enter the analysis.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace cnnslicer
{

/**
 * @brief The reader's sample-selection properties.
 *
 * Applied in this order, always keeping dataset order: indices FirstIndex, FirstIndex +
 * Stride, ...; then only the labels in Classes (all when empty); then, when PerClass > 0,
 * the first PerClass of each class (balanced; a class with fewer keeps all it has); then
 * the first MaximumSamples (all when 0).
 */
struct SampleSelection
{
  std::size_t MaximumSamples = 0;
  std::size_t FirstIndex = 0;
  std::size_t Stride = 1;
  std::vector<std::int64_t> Classes;
  std::size_t PerClass = 0;
};

/**
 * Indices of the selected samples among @p numberOfSamples, in increasing order.
 * @p labels is empty (unlabelled dataset) or has one label per sample; class subsets and
 * balancing need labels. Throws DatasetError naming @p datasetName when the selection is
 * invalid (stride 0, classes without labels) or empty (with the numbers that made it so).
 */
std::vector<std::size_t> selectSamples(std::size_t numberOfSamples,
                                       const std::vector<std::int64_t>& labels,
                                       const SampleSelection& selection,
                                       const std::string& datasetName);

} // namespace cnnslicer
