/**
 * @file ParallelRunner.h
 * @brief Runs independent work items on a fixed number of std::threads.
 */
#pragma once

#include "Progress.h"

#include <cstddef>
#include <functional>

namespace cnnslicer
{

/**
 * @brief Parallel loop over independent items with progress and cancellation.
 *
 * Every item is computed by exactly one thread and writes only its own results, so the
 * outcome does not depend on the thread count (results are bit-identical for 1 and N
 * threads). Progress is reported from the calling thread only, as VTK requires.
 */
class ParallelRunner
{
public:
  /// @p threads <= 0 means std::thread::hardware_concurrency().
  explicit ParallelRunner(int threads = 0);

  int numberOfThreads() const { return Threads; }

  /**
   * Calls body(i) for every i in [0, count). Returns false when @p progress asked to
   * stop (then some items were not run). Exceptions thrown by @p body are rethrown here.
   */
  bool forEach(std::size_t count,
               const std::function<void(std::size_t)>& body,
               const Progress& progress = Progress(),
               double progressBegin = 0.0,
               double progressEnd = 1.0) const;

private:
  int Threads;
};

} // namespace cnnslicer
