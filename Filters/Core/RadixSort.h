/**
 * @file RadixSort.h
 * @brief Ascending sort of finite floats in O(n): the continuous estimators sort every
 * neuron's values (atoms, k-NN, spacings), so sorting is their main cost.
 */
#pragma once

#include <vector>

namespace cnnslicer
{

/**
 * @brief Sorts @p values ascending: LSD radix sort on the IEEE bit patterns (three
 * passes of 11 bits) for large inputs, std::sort for small ones.
 *
 * Values must not be NaN. -0.0 is placed before +0.0 (they compare equal, so any order
 * is a valid ascending order).
 */
void sortAscending(std::vector<float>& values);

} // namespace cnnslicer
