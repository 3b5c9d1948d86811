#include "ContinuousEntropy.h"

#include "ParallelRunner.h"
#include "RadixSort.h"
#include "SpecialFunctions.h"

#include <unsupported/Eigen/FFT>

#include <algorithm>
#include <cmath>
#include <complex>
#include <functional>
#include <numeric>
#include <stdexcept>

namespace cnnslicer
{

const char* estimatorName(ContinuousEstimator estimator)
{
  switch (estimator)
  {
    case ContinuousEstimator::Gaussian:
      return "gaussian";
    case ContinuousEstimator::KernelDensity:
      return "kde";
    case ContinuousEstimator::NearestNeighbor:
      return "knn";
    case ContinuousEstimator::Spacing:
      return "spacing";
  }
  return "unknown";
}

std::string ContinuousEntropyOptions::validate() const
{
  if (K < 1)
  {
    return "the k-NN neighbour rank k must be at least 1 (got " + std::to_string(K) + ")";
  }
  if (Atoms == AtomMode::Threshold && !(AtomThreshold > 0.0 && AtomThreshold <= 1.0))
  {
    return "the atom threshold must be a fraction in (0, 1] (got " + std::to_string(AtomThreshold) +
           ")";
  }
  if (Atoms == AtomMode::FixedValues)
  {
    for (const double a : AtomValues)
    {
      if (!std::isfinite(a))
      {
        return "atom values must be finite numbers";
      }
    }
  }
  return std::string();
}

std::size_t ContinuousEntropyOptions::minimumDistinctValues() const
{
  return Estimator == ContinuousEstimator::NearestNeighbor ? static_cast<std::size_t>(K) + 1 : 2;
}

namespace
{

constexpr double TwoPiE = 2.0 * M_PI * M_E;

/// Number of distinct values in ascending data, counting at most @p enough.
std::size_t distinctValues(const float* sorted, std::size_t n, std::size_t enough)
{
  std::size_t distinct = n > 0 ? 1 : 0;
  for (std::size_t i = 1; i < n && distinct < enough; ++i)
  {
    distinct += sorted[i] != sorted[i - 1] ? 1 : 0;
  }
  return distinct;
}

/// Ascending copy of the values (or a view of them when already sorted).
struct SortedView
{
  std::vector<float> Storage;
  const float* Data;
  SortedView(const float* values, std::size_t n, bool sorted)
    : Data(values)
  {
    if (!sorted)
    {
      Storage.assign(values, values + n);
      sortAscending(Storage);
      Data = Storage.data();
    }
  }
};

/// Mean and unbiased variance, two passes in double.
void meanAndVariance(const float* values, std::size_t n, double& mean, double& variance)
{
  double sum = 0.0;
  for (std::size_t i = 0; i < n; ++i)
  {
    sum += values[i];
  }
  mean = sum / static_cast<double>(n);
  double squares = 0.0;
  for (std::size_t i = 0; i < n; ++i)
  {
    const double d = values[i] - mean;
    squares += d * d;
  }
  variance = n > 1 ? squares / static_cast<double>(n - 1) : 0.0;
}

/// Quantile q of ascending data with linear interpolation (NumPy's default "linear").
double sortedQuantile(const float* sorted, std::size_t n, double q)
{
  const double position = q * static_cast<double>(n - 1);
  const auto below = static_cast<std::size_t>(std::floor(position));
  const std::size_t above = std::min(below + 1, n - 1);
  const double w = position - static_cast<double>(below);
  return (1.0 - w) * sorted[below] + w * sorted[above];
}

/// The same quantile from unsorted data with selection (O(n)); @p work is reordered.
double selectQuantile(std::vector<float>& work, double q)
{
  const std::size_t n = work.size();
  const double position = q * static_cast<double>(n - 1);
  const auto below = static_cast<std::size_t>(std::floor(position));
  std::nth_element(work.begin(), work.begin() + below, work.end());
  const double low = work[below];
  double high = low;
  if (below + 1 < n)
  {
    high = *std::min_element(work.begin() + below + 1, work.end());
  }
  const double w = position - static_cast<double>(below);
  return (1.0 - w) * low + w * high;
}

double bandwidthFromMoments(double sigma, double iqr, std::size_t n)
{
  const double spread = iqr > 0.0 ? std::min(sigma, iqr / 1.34) : sigma;
  return 0.9 * spread * std::pow(static_cast<double>(n), -0.2);
}

/// Interquartile range, from sorted data directly or by selection.
double interquartileRange(const float* values, std::size_t n, bool sorted)
{
  if (sorted)
  {
    return sortedQuantile(values, n, 0.75) - sortedQuantile(values, n, 0.25);
  }
  std::vector<float> work(values, values + n);
  const double q75 = selectQuantile(work, 0.75);
  const double q25 = selectQuantile(work, 0.25);
  return q75 - q25;
}

/// Resubstitution entropy with kernel sums over a sorted window of +-8.5 h (terms
/// beyond contribute < 1e-15 relative): exact to rounding, used when a grid would be
/// too large (data with far outliers).
double kernelDensityEntropyWindowed(const float* sorted, std::size_t n, double h)
{
  const double reach = 8.5 * h;
  const double norm = 1.0 / (static_cast<double>(n) * h * std::sqrt(2.0 * M_PI));
  double sumLog = 0.0;
  std::size_t lo = 0;
  std::size_t hi = 0;
  for (std::size_t i = 0; i < n; ++i)
  {
    const double x = sorted[i];
    while (x - sorted[lo] > reach)
    {
      ++lo;
    }
    while (hi < n && sorted[hi] - x <= reach)
    {
      ++hi;
    }
    double sum = 0.0;
    for (std::size_t j = lo; j < hi; ++j)
    {
      const double u = (x - sorted[j]) / h;
      sum += std::exp(-0.5 * u * u);
    }
    sumLog += std::log(sum * norm);
  }
  return -sumLog / static_cast<double>(n);
}

} // namespace

double gaussianEntropy(const float* values, std::size_t n)
{
  if (n < 2)
  {
    return NotANumber;
  }
  double mean = 0.0;
  double variance = 0.0;
  meanAndVariance(values, n, mean, variance);
  return variance > 0.0 ? 0.5 * std::log(TwoPiE * variance) : NotANumber;
}

double silvermanBandwidth(const float* values, std::size_t n, bool sorted)
{
  if (n < 2)
  {
    return NotANumber;
  }
  double mean = 0.0;
  double variance = 0.0;
  meanAndVariance(values, n, mean, variance);
  return bandwidthFromMoments(std::sqrt(variance), interquartileRange(values, n, sorted), n);
}

double kernelDensityEntropyExact(const float* values, std::size_t n)
{
  const double h = silvermanBandwidth(values, n, false);
  if (!(h > 0.0))
  {
    return NotANumber;
  }
  const double norm = 1.0 / (static_cast<double>(n) * h * std::sqrt(2.0 * M_PI));
  double sumLog = 0.0;
  for (std::size_t i = 0; i < n; ++i)
  {
    double sum = 0.0;
    for (std::size_t j = 0; j < n; ++j)
    {
      const double u = (static_cast<double>(values[i]) - values[j]) / h;
      sum += std::exp(-0.5 * u * u);
    }
    sumLog += std::log(sum * norm);
  }
  return -sumLog / static_cast<double>(n);
}

double kernelDensityEntropy(const float* values, std::size_t n, bool sorted)
{
  if (n < 2)
  {
    return NotANumber;
  }
  const double h = silvermanBandwidth(values, n, sorted);
  if (!(h > 0.0))
  {
    return NotANumber;
  }
  const auto [minIt, maxIt] = std::minmax_element(values, values + n);
  const double lo = *minIt;
  const double hi = *maxIt;

  // Binned KDE (as KDEpy's FFTKDE): linear binning onto a grid of spacing h/32, the
  // Gaussian kernel sampled to +-8 h, FFT convolution, linear interpolation back to the
  // data. Both binning and interpolation err by O((delta/h)^2) ~ 1e-4 relative in f,
  // i.e. ~1e-4 bits in the entropy, inside the 1e-3-bit budget of Documentation/entropy.md.
  constexpr double PointsPerBandwidth = 32.0;
  constexpr double KernelReach = 8.0;
  constexpr std::size_t MaximumGrid = std::size_t(1) << 22;
  const double delta = h / PointsPerBandwidth;
  const auto reach = static_cast<std::size_t>(std::ceil(KernelReach * PointsPerBandwidth));
  const double span = (hi - lo) / delta;
  if (!(span + 2.0 * reach + 2.0 < static_cast<double>(MaximumGrid)))
  {
    const SortedView view(values, n, sorted);
    return kernelDensityEntropyWindowed(view.Data, n, h);
  }
  const auto gridSize = static_cast<std::size_t>(span) + 2;
  std::size_t fftSize = 1;
  while (fftSize < gridSize + reach + 1)
  {
    fftSize <<= 1;
  }

  std::vector<double> grid(fftSize, 0.0);
  for (std::size_t i = 0; i < n; ++i)
  {
    const double t = (values[i] - lo) / delta;
    const auto j = std::min(static_cast<std::size_t>(t), gridSize - 2);
    const double w = t - static_cast<double>(j);
    grid[j] += 1.0 - w;
    grid[j + 1] += w;
  }
  std::vector<double> kernel(fftSize, 0.0);
  for (std::size_t l = 0; l <= reach; ++l)
  {
    const double u = static_cast<double>(l) / PointsPerBandwidth;
    const double k = std::exp(-0.5 * u * u);
    kernel[l] = k;
    if (l > 0)
    {
      kernel[fftSize - l] = k;
    }
  }

  Eigen::FFT<double> fft;
  std::vector<std::complex<double>> gridSpectrum;
  std::vector<std::complex<double>> kernelSpectrum;
  fft.fwd(gridSpectrum, grid);
  fft.fwd(kernelSpectrum, kernel);
  for (std::size_t i = 0; i < gridSpectrum.size(); ++i)
  {
    gridSpectrum[i] *= kernelSpectrum[i];
  }
  std::vector<double> smoothed;
  fft.inv(smoothed, gridSpectrum);

  const double norm = 1.0 / (static_cast<double>(n) * h * std::sqrt(2.0 * M_PI));
  double sumLog = 0.0;
  for (std::size_t i = 0; i < n; ++i)
  {
    const double t = (values[i] - lo) / delta;
    const auto j = std::min(static_cast<std::size_t>(t), gridSize - 2);
    const double w = t - static_cast<double>(j);
    const double f = ((1.0 - w) * smoothed[j] + w * smoothed[j + 1]) * norm;
    // The self term keeps f >= norm * exp(-1/2 (delta/h)^2) > 0 up to FFT rounding.
    sumLog += std::log(std::max(f, 0.5 * norm));
  }
  return -sumLog / static_cast<double>(n);
}

double nearestNeighborEntropy(const float* values, std::size_t n, int k, bool sorted)
{
  const auto kk = static_cast<std::size_t>(k);
  if (k < 1 || n < kk + 1)
  {
    return NotANumber;
  }
  const SortedView view(values, n, sorted);
  const float* x = view.Data;
  if (distinctValues(x, n, kk + 1) < kk + 1)
  {
    return NotANumber;
  }
  // The k nearest neighbours of x_i in sorted order fill a window [l, l+k] around i; the
  // best l never decreases with i, so one sweep finds every eps_i (a radius, as V_1 = 2).
  double sumLog = 0.0;
  std::size_t positive = 0;
  std::size_t l = 0;
  for (std::size_t i = 0; i < n; ++i)
  {
    l = std::max(l, i >= kk ? i - kk : 0);
    while (l < i && l + kk + 1 < n &&
           static_cast<double>(x[l + kk + 1]) - x[i] < static_cast<double>(x[i]) - x[l])
    {
      ++l;
    }
    const double eps =
      std::max(static_cast<double>(x[i]) - x[l], static_cast<double>(x[l + kk]) - x[i]);
    if (eps > 0.0)
    {
      sumLog += std::log(eps);
      ++positive;
    }
  }
  return digamma(static_cast<double>(n)) - digamma(static_cast<double>(k)) + std::log(2.0) +
         sumLog / static_cast<double>(positive);
}

double spacingEntropy(const float* values, std::size_t n, bool sorted)
{
  if (n < 2)
  {
    return NotANumber;
  }
  const SortedView view(values, n, sorted);
  const float* x = view.Data;
  if (distinctValues(x, n, 2) < 2)
  {
    return NotANumber;
  }
  // Vasicek (1976) with edge padding, as scipy.stats.differential_entropy(method="vasicek").
  const auto m = static_cast<std::size_t>(std::floor(std::sqrt(static_cast<double>(n)) + 0.5));
  const double factor = static_cast<double>(n) / (2.0 * static_cast<double>(m));
  double sumLog = 0.0;
  std::size_t positive = 0;
  for (std::size_t i = 0; i < n; ++i)
  {
    const double spacing = static_cast<double>(x[std::min(i + m, n - 1)]) - x[i >= m ? i - m : 0];
    if (spacing > 0.0)
    {
      sumLog += std::log(factor * spacing);
      ++positive;
    }
  }
  return sumLog / static_cast<double>(positive);
}

double differentialEntropy(const ContinuousEntropyOptions& options,
                           const float* values,
                           std::size_t n,
                           bool sorted)
{
  switch (options.Estimator)
  {
    case ContinuousEstimator::Gaussian:
      return gaussianEntropy(values, n);
    case ContinuousEstimator::KernelDensity:
      return kernelDensityEntropy(values, n, sorted);
    case ContinuousEstimator::NearestNeighbor:
      return nearestNeighborEntropy(values, n, options.K, sorted);
    case ContinuousEstimator::Spacing:
      return spacingEntropy(values, n, sorted);
  }
  return NotANumber;
}

double mixtureEntropy(double atomTerm, double pc, double hc)
{
  // H_mix = -sum_j p_j log p_j - p_c log p_c + p_c h_c (Documentation/entropy.md, "Point masses").
  return pc > 0.0 ? atomTerm - pc * std::log(pc) + pc * hc : atomTerm;
}

std::vector<float> findAtoms(const ContinuousEntropyOptions& options,
                             const std::vector<float>& sortedValues)
{
  std::vector<float> atoms;
  const std::size_t n = sortedValues.size();
  if (options.Atoms == AtomMode::FixedValues)
  {
    for (const double a : options.AtomValues)
    {
      atoms.push_back(static_cast<float>(a));
    }
    std::sort(atoms.begin(), atoms.end());
    atoms.erase(std::unique(atoms.begin(), atoms.end()), atoms.end());
  }
  else if (options.Atoms == AtomMode::Threshold && n > 0)
  {
    // "Repeats exactly in at least threshold of the observations", and a value seen once
    // does not repeat.
    const auto minimumRun = std::max<std::size_t>(
      2,
      static_cast<std::size_t>(std::ceil(options.AtomThreshold * static_cast<double>(n) - 1e-9)));
    std::size_t i = 0;
    while (i < n)
    {
      std::size_t j = i + 1;
      while (j < n && sortedValues[j] == sortedValues[i])
      {
        ++j;
      }
      if (j - i >= minimumRun)
      {
        atoms.push_back(sortedValues[i]);
      }
      i = j;
    }
  }
  return atoms;
}

MixedEntropy mixedEntropy(const ContinuousEntropyOptions& options,
                          const std::vector<float>& sortedValues,
                          const std::vector<float>& atoms)
{
  MixedEntropy result;
  const std::size_t n = sortedValues.size();
  result.Count = n;
  if (n == 0)
  {
    return result;
  }
  const double scale = natsTo(options.Unit);
  const double total = static_cast<double>(n);
  double atomEntropy = 0.0;
  std::vector<float> continuous;
  continuous.reserve(n);
  auto begin = sortedValues.begin();
  for (const float a : atoms)
  {
    const auto [first, last] = std::equal_range(begin, sortedValues.end(), a);
    continuous.insert(continuous.end(), begin, first);
    begin = last;
    if (last != first)
    {
      const double p = static_cast<double>(last - first) / total;
      atomEntropy -= p * std::log(p);
      ++result.Atoms;
    }
  }
  continuous.insert(continuous.end(), begin, sortedValues.end());

  const double pc = static_cast<double>(continuous.size()) / total;
  result.AtomProbability = 1.0 - pc;
  double hc = NotANumber;
  if (!continuous.empty())
  {
    hc = differentialEntropy(options, continuous.data(), continuous.size(), true);
    result.ContinuousEntropy = hc * scale;
  }
  result.Entropy = mixtureEntropy(atomEntropy, pc, hc) * scale;
  return result;
}

namespace
{

/// Finite observations of one variable, split by group, ready for the estimators.
struct GroupedObservations
{
  std::vector<float> All;
  std::vector<std::vector<float>> ByGroup;
  std::uint64_t NonFinite = 0;

  void reset(int groups, bool keepGroups)
  {
    All.clear();
    ByGroup.resize(keepGroups ? groups : 0);
    for (auto& g : ByGroup)
    {
      g.clear();
    }
    NonFinite = 0;
  }
  void add(float v, int group)
  {
    if (!std::isfinite(v))
    {
      ++NonFinite;
      return;
    }
    All.push_back(v);
    if (!ByGroup.empty())
    {
      ByGroup[group].push_back(v);
    }
  }
};

/**
 * Estimates one variable from its observations and writes entry @p i of @p out. With a
 * @p runner (the layer scope, a single variable), the sorts and estimates of the whole
 * and of each class run as parallel tasks; the sums over classes stay in class order, so
 * the result does not depend on the number of threads.
 */
void storeMixed(const ContinuousEntropyOptions& options,
                GroupedObservations& obs,
                ScopeEntropy& out,
                std::size_t i,
                const ParallelRunner* runner = nullptr)
{
  const std::size_t groups = obs.ByGroup.size();
  auto forEach = [runner](std::size_t count, const std::function<void(std::size_t)>& body)
  {
    if (runner != nullptr && count > 1)
    {
      runner->forEach(count, body);
      return;
    }
    for (std::size_t k = 0; k < count; ++k)
    {
      body(k);
    }
  };
  // Task 0 sorts all observations, task g + 1 those of class g.
  forEach(groups + 1,
          [&](std::size_t task) { sortAscending(task == 0 ? obs.All : obs.ByGroup[task - 1]); });
  const std::vector<float> atoms = findAtoms(options, obs.All);
  std::vector<MixedEntropy> parts(groups + 1);
  // The atoms of the whole sample for every class, so that H(T|Y=k) and H(T) use one
  // reference measure.
  forEach(groups + 1,
          [&](std::size_t task)
          {
            const std::vector<float>& values = task == 0 ? obs.All : obs.ByGroup[task - 1];
            if (task == 0 || !values.empty())
            {
              parts[task] = mixedEntropy(options, values, atoms);
            }
          });
  const MixedEntropy& whole = parts[0];
  out.Entropy[i] = whole.Entropy;
  out.ContinuousEntropy[i] = whole.ContinuousEntropy;
  out.AtomProbability[i] = whole.Count > 0 ? whole.AtomProbability : NotANumber;
  out.AtomCount[i] = whole.Atoms;
  out.Count[i] = whole.Count;
  out.NonFinite[i] = obs.NonFinite;
  if (groups == 0 || whole.Count == 0)
  {
    return;
  }
  double conditional = 0.0;
  for (std::size_t g = 0; g < groups; ++g)
  {
    const MixedEntropy& part = parts[g + 1];
    if (obs.ByGroup[g].empty())
    {
      continue;
    }
    conditional +=
      static_cast<double>(part.Count) / static_cast<double>(whole.Count) * part.Entropy;
    if (!out.ClassEntropy.empty())
    {
      out.ClassEntropy[g][i] = part.Entropy;
    }
  }
  out.ConditionalEntropy[i] = conditional;
  // Estimator bias can make the difference slightly negative; it is reported as is.
  out.MutualInformation[i] = whole.Entropy - conditional;
}

/// Gathers the pooled observations of points [first, last), keeping every stride-th one.
template<typename T>
void gatherPooled(const ActivationLayout<T>& layout,
                  const SampleGrouping& grouping,
                  std::size_t first,
                  std::size_t last,
                  std::size_t stride,
                  GroupedObservations& obs)
{
  if (stride > 1)
  {
    // Selected value k of the run (points [first, last), selected samples in order) is
    // point first + k / S, selected sample k % S. Jumping straight to k = 0, stride,
    // 2 stride, ... reads the kept values only: a layer-scope sample of 10^6 values out of
    // 3 x 10^8 read 1/300 of the layer instead of all of it (same values, same order).
    std::vector<std::uint32_t> selectedSamples;
    selectedSamples.reserve(layout.NumberOfSamples);
    for (std::size_t n = 0; n < layout.NumberOfSamples; ++n)
    {
      if (grouping.Group[n] >= 0)
      {
        selectedSamples.push_back(static_cast<std::uint32_t>(n));
      }
    }
    const std::size_t perPoint = selectedSamples.size();
    const std::size_t total = perPoint * (last - first);
    for (std::size_t k = 0; k < total; k += stride)
    {
      const std::size_t n = selectedSamples[k % perPoint];
      obs.add(static_cast<float>(layout.neuron(first + k / perPoint)[n]), grouping.Group[n]);
    }
    return;
  }
  // Selected values still to pass before the next kept one (a countdown rather than a
  // division per value): keeps selected values 0, stride, 2 stride, ...
  std::size_t untilKept = 0;
  for (std::size_t p = first; p < last; ++p)
  {
    const T* v = layout.neuron(p);
    for (std::size_t n = 0; n < layout.NumberOfSamples; ++n)
    {
      const std::int32_t g = grouping.Group[n];
      if (g < 0)
      {
        continue;
      }
      if (untilKept == 0)
      {
        obs.add(static_cast<float>(v[n]), g);
        untilKept = stride;
      }
      --untilKept;
    }
  }
}

/// Keeps at most @p maximum of @p total observations: every stride-th one.
std::size_t strideFor(std::size_t total, std::size_t maximum)
{
  return maximum == 0 || total <= maximum ? 1 : (total + maximum - 1) / maximum;
}

} // namespace

template<typename T>
bool computeContinuousEntropy(const ActivationLayout<T>& layout,
                              const SampleGrouping& grouping,
                              const ContinuousEntropyOptions& options,
                              LayerContinuousEntropy& result,
                              int threads,
                              const Progress& progress)
{
  requireValidInputs(layout, grouping, options.validate());
  const int groups = grouping.numberOfGroups();
  const bool keepGroups = grouping.hasClasses();
  const std::size_t channels = layout.NumberOfChannels;
  const std::size_t perChannel = layout.pointsPerChannel();
  const std::size_t selected = grouping.selectedCount();
  const ParallelRunner runner(threads);

  result.Neurons.resize(
    options.NeuronScope ? layout.NumberOfPoints : 0, grouping, true, options.PerClass);
  result.Channels.resize(options.ChannelScope ? channels : 0, grouping, true, options.PerClass);
  result.Layer.resize(options.LayerScope ? 1 : 0, grouping, true, options.PerClass);

  // Progress shares: neurons 0-60%, channels 60-90%, layer 90-100%.
  if (options.NeuronScope)
  {
    const std::size_t block = 16;
    const std::size_t tasks = (layout.NumberOfPoints + block - 1) / block;
    const bool done = runner.forEach(
      tasks,
      [&](std::size_t task)
      {
        GroupedObservations obs;
        for (std::size_t p = task * block; p < std::min(layout.NumberOfPoints, (task + 1) * block);
             ++p)
        {
          obs.reset(groups, keepGroups);
          gatherPooled(layout, grouping, p, p + 1, 1, obs);
          storeMixed(options, obs, result.Neurons, p);
        }
      },
      progress,
      0.0,
      0.6);
    if (!done)
    {
      return false;
    }
  }
  if (options.ChannelScope)
  {
    const std::size_t stride = strideFor(perChannel * selected, options.MaximumObservations);
    const bool done = runner.forEach(
      channels,
      [&](std::size_t c)
      {
        GroupedObservations obs;
        obs.reset(groups, keepGroups);
        gatherPooled(layout, grouping, c * perChannel, (c + 1) * perChannel, stride, obs);
        storeMixed(options, obs, result.Channels, c);
      },
      progress,
      0.6,
      0.9);
    if (!done)
    {
      return false;
    }
  }
  if (options.LayerScope)
  {
    const std::size_t stride =
      strideFor(layout.NumberOfPoints * selected, options.MaximumObservations);
    GroupedObservations obs;
    obs.reset(groups, keepGroups);
    gatherPooled(layout, grouping, 0, layout.NumberOfPoints, stride, obs);
    storeMixed(options, obs, result.Layer, 0, &runner);
  }
  return progress.report(1.0);
}

template bool computeContinuousEntropy<float>(const ActivationLayout<float>&,
                                              const SampleGrouping&,
                                              const ContinuousEntropyOptions&,
                                              LayerContinuousEntropy&,
                                              int,
                                              const Progress&);
template bool computeContinuousEntropy<double>(const ActivationLayout<double>&,
                                               const SampleGrouping&,
                                               const ContinuousEntropyOptions&,
                                               LayerContinuousEntropy&,
                                               int,
                                               const Progress&);

} // namespace cnnslicer
