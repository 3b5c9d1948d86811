/**
 * @file MemoryBandwidth.cxx
 * @brief The machine's main-memory bandwidth (STREAM-style), the ceiling that the
 * histogram kernels of BenchmarkEntropy.cxx are compared against in the report.
 *
 *   CNNSlicerMemoryBandwidth [--array_mb=1200] [Google Benchmark flags]
 *
 * Kernels of J. McCalpin's STREAM benchmark (https://www.cs.virginia.edu/stream/) on
 * double arrays a, b, c, with STREAM's byte counts (the bytes the program asks for; the
 * write-allocate reads of a store are not counted):
 *
 *   Copy   c[i] = a[i]                16 bytes per element
 *   Triad  a[i] = b[i] + s * c[i]     24 bytes per element
 *
 * plus one kernel that STREAM lacks and that matches the histogram kernels, which read
 * their input once and write nothing of its size:
 *
 *   Read   sum += x[i] over floats     4 bytes per element
 *
 * Each array is --array_mb megabytes (default 1200: four times the 300 MB last-level
 * cache this kind of machine reports, STREAM's rule), so every pass streams from main
 * memory. Threads:{1,2} split the arrays into contiguous halves (one per thread); the
 * byte rate is the sum over threads (Google Benchmark's bytes_per_second with
 * UseRealTime). The JSON output is read by report.py.
 */
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <utility>

namespace
{

using Float4 = float __attribute__((vector_size(16)));

std::size_t arrayBytes = std::size_t(1200) << 20;

/// Arrays allocated and first touched once, outside the timed loops.
struct Arrays
{
  std::size_t Doubles = 0;
  std::unique_ptr<double[]> A;
  std::unique_ptr<double[]> B;
  std::unique_ptr<double[]> C;

  static Arrays& get()
  {
    static Arrays arrays;
    if (arrays.Doubles == 0)
    {
      arrays.Doubles = arrayBytes / sizeof(double);
      arrays.A.reset(new double[arrays.Doubles]);
      arrays.B.reset(new double[arrays.Doubles]);
      arrays.C.reset(new double[arrays.Doubles]);
      for (std::size_t i = 0; i < arrays.Doubles; ++i)
      {
        arrays.A[i] = 1.0;
        arrays.B[i] = 2.0;
        arrays.C[i] = 0.0;
      }
    }
    return arrays;
  }
};

/// This thread's contiguous share [first, last) of @p n elements.
void share(const benchmark::State& state, std::size_t n, std::size_t& first, std::size_t& last)
{
  const auto threads = static_cast<std::size_t>(state.threads());
  const auto index = static_cast<std::size_t>(state.thread_index());
  first = n * index / threads;
  last = n * (index + 1) / threads;
}

void Copy(benchmark::State& state)
{
  Arrays& arrays = Arrays::get();
  std::size_t first = 0;
  std::size_t last = 0;
  share(state, arrays.Doubles, first, last);
  const double* a = arrays.A.get();
  double* c = arrays.C.get();
  for (auto _ : state)
  {
    for (std::size_t i = first; i < last; ++i)
    {
      c[i] = a[i];
    }
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(
    static_cast<std::int64_t>(state.iterations() * (last - first) * 2 * sizeof(double)));
}

void Triad(benchmark::State& state)
{
  Arrays& arrays = Arrays::get();
  std::size_t first = 0;
  std::size_t last = 0;
  share(state, arrays.Doubles, first, last);
  double* a = arrays.A.get();
  const double* b = arrays.B.get();
  const double* c = arrays.C.get();
  const double scalar = 3.0;
  for (auto _ : state)
  {
    for (std::size_t i = first; i < last; ++i)
    {
      a[i] = b[i] + scalar * c[i];
    }
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(
    static_cast<std::int64_t>(state.iterations() * (last - first) * 3 * sizeof(double)));
}

void Read(benchmark::State& state)
{
  Arrays& arrays = Arrays::get();
  // The first array seen as floats: twice as many elements, the same bytes.
  const auto* x = reinterpret_cast<const float*>(arrays.A.get());
  const std::size_t n = arrays.Doubles * 2;
  std::size_t first = 0;
  std::size_t last = 0;
  share(state, n, first, last);
  for (auto _ : state)
  {
    // Four vector accumulators of four floats (GCC/Clang vector extension, SSE2 on
    // x86-64): sixteen independent sums, so the loop is bound by loads, not add latency.
    Float4 partial[4] = {};
    std::size_t i = first;
    for (; i + 16 <= last; i += 16)
    {
      for (int j = 0; j < 4; ++j)
      {
        Float4 v;
        std::memcpy(&v, x + i + 4 * j, sizeof(v));
        partial[j] += v;
      }
    }
    float sum = 0.0f;
    for (; i < last; ++i)
    {
      sum += x[i];
    }
    for (const Float4& p : partial)
    {
      sum += (p[0] + p[1]) + (p[2] + p[3]);
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetBytesProcessed(
    static_cast<std::int64_t>(state.iterations() * (last - first) * sizeof(float)));
}

} // namespace

int main(int argc, char** argv)
{
  benchmark::Initialize(&argc, argv);
  for (int i = 1; i < argc; ++i)
  {
    const std::string arg = argv[i];
    if (arg.rfind("--array_mb=", 0) == 0)
    {
      arrayBytes = static_cast<std::size_t>(std::stoull(arg.substr(11))) << 20;
    }
    else
    {
      std::cerr << "unknown argument " << arg
                << "\nusage: CNNSlicerMemoryBandwidth [--array_mb=1200] [benchmark flags]\n";
      return 2;
    }
  }
  for (const auto& [name, kernel] :
       { std::pair{ "Copy", &Copy }, std::pair{ "Triad", &Triad }, std::pair{ "Read", &Read } })
  {
    benchmark::RegisterBenchmark(name, kernel)
      ->Threads(1)
      ->Threads(2)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  }
  // Allocated and first touched here, before any benchmark thread runs.
  Arrays::get();
  benchmark::AddCustomContext("array_mb", std::to_string(arrayBytes >> 20));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
