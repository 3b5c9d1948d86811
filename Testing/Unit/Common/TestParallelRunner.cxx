// The thread pool that every multithreaded scope relies on.
#include "ParallelRunner.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <vector>

namespace
{
using cnnslicer::ParallelRunner;
using cnnslicer::Progress;

TEST(ParallelRunner, RunsEveryItemExactlyOnce)
{
  for (int threads : { 1, 2, 5 })
  {
    std::vector<std::atomic<int>> hits(1000);
    ASSERT_TRUE(ParallelRunner(threads).forEach(hits.size(), [&](std::size_t i) { ++hits[i]; }));
    for (const auto& h : hits)
    {
      EXPECT_EQ(h.load(), 1);
    }
  }
  EXPECT_TRUE(ParallelRunner(2).forEach(0, [](std::size_t) { FAIL(); }));
}

TEST(ParallelRunner, ProgressIsMonotoneAndEndsAtOne)
{
  std::vector<double> seen;
  Progress progress;
  progress.ClientData = &seen;
  progress.Callback = [](double f, void* data)
  {
    static_cast<std::vector<double>*>(data)->push_back(f);
    return true;
  };
  ASSERT_TRUE(ParallelRunner(2).forEach(
    500, [](std::size_t) {}, progress, 0.2, 0.8));
  ASSERT_FALSE(seen.empty());
  for (std::size_t i = 1; i < seen.size(); ++i)
  {
    EXPECT_GE(seen[i], seen[i - 1]);
  }
  EXPECT_GE(seen.front(), 0.2);
  EXPECT_DOUBLE_EQ(seen.back(), 0.8);
}

TEST(ParallelRunner, CancelStopsEarly)
{
  std::atomic<int> ran{ 0 };
  Progress progress;
  progress.Callback = [](double, void*) { return false; };
  EXPECT_FALSE(ParallelRunner(1).forEach(
    10000, [&](std::size_t) { ++ran; }, progress));
  EXPECT_LT(ran.load(), 10000);
}

TEST(ParallelRunner, ExceptionsReachTheCaller)
{
  EXPECT_THROW(ParallelRunner(2).forEach(100,
                                         [](std::size_t i)
                                         {
                                           if (i == 37)
                                           {
                                             throw std::runtime_error("item 37");
                                           }
                                         }),
               std::runtime_error);
}

} // namespace
