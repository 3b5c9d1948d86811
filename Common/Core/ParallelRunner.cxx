#include "ParallelRunner.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace cnnslicer
{

ParallelRunner::ParallelRunner(int threads)
  : Threads(threads > 0 ? threads
                        : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())))
{
}

bool ParallelRunner::forEach(std::size_t count,
                             const std::function<void(std::size_t)>& body,
                             const Progress& progress,
                             double progressBegin,
                             double progressEnd) const
{
  std::atomic<std::size_t> next{ 0 };
  std::atomic<std::size_t> done{ 0 };
  std::atomic<bool> stop{ false };
  std::exception_ptr failure;
  std::mutex failureMutex;

  auto work = [&](bool reportsProgress)
  {
    // Progress is reported about 100 times in all, from the calling thread only.
    const std::size_t reportEvery = std::max<std::size_t>(1, count / 100);
    std::size_t lastReported = 0;
    while (!stop.load(std::memory_order_relaxed))
    {
      const std::size_t i = next.fetch_add(1, std::memory_order_relaxed);
      if (i >= count)
      {
        break;
      }
      try
      {
        body(i);
      }
      catch (...)
      {
        const std::lock_guard<std::mutex> lock(failureMutex);
        if (!failure)
        {
          failure = std::current_exception();
        }
        stop = true;
      }
      const std::size_t finished = done.fetch_add(1, std::memory_order_relaxed) + 1;
      if (reportsProgress && finished - lastReported >= reportEvery)
      {
        lastReported = finished;
        const double fraction = static_cast<double>(finished) / static_cast<double>(count);
        if (!progress.report(progressBegin + (progressEnd - progressBegin) * fraction))
        {
          stop = true;
        }
      }
    }
  };

  const std::size_t helpers =
    std::min<std::size_t>(static_cast<std::size_t>(Threads) - 1, count > 0 ? count - 1 : 0);
  std::vector<std::thread> pool;
  pool.reserve(helpers);
  for (std::size_t t = 0; t < helpers; ++t)
  {
    pool.emplace_back(work, false);
  }
  work(true);
  for (auto& thread : pool)
  {
    thread.join();
  }
  if (failure)
  {
    std::rethrow_exception(failure);
  }
  const bool completed = done.load() == count && !stop.load();
  if (completed)
  {
    progress.report(progressEnd);
  }
  return completed;
}

} // namespace cnnslicer
