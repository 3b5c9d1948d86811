/**
 * @file PieceLayout.h
 * @brief How a parallel run splits the reader's work among pieces (Documentation/parallel.md).
 *
 * Inference is split by samples: piece p runs the model on a contiguous share of the
 * samples. The output is split by layers: each layer, with all its samples, belongs to
 * one piece, so that every entropy scope (neuron, channel, layer, sample) is computed on
 * one process from the same values as in a serial run. VTK-free.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace cnnslicer
{

/// Samples [First, First + Count) of the whole selection.
struct SampleShare
{
  std::size_t First = 0;
  std::size_t Count = 0;
};

/**
 * Piece @p piece's share of @p samples samples among @p pieces pieces: contiguous, in
 * piece order, sizes differing by at most one (floor(N p / P) to floor(N (p+1) / P)).
 */
SampleShare shareOfSamples(std::size_t samples, int piece, int pieces);

/**
 * Owner piece of each layer, balancing the pieces' bytes: layers in decreasing size
 * (ties: earlier layer first) each go to the piece holding the fewest bytes so far (ties:
 * the lower piece); Graham's longest-processing-time rule, whose largest piece is at most
 * 4/3 of the optimum (R. L. Graham, SIAM J. Appl. Math. 17(2), 1969). Layers of size 0
 * (not output) get -1. Deterministic: every process computes the same assignment.
 */
std::vector<int> assignLayersToPieces(const std::vector<std::uint64_t>& layerBytes, int pieces);

} // namespace cnnslicer
