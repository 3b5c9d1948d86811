/**
 * @file TestContinuousEntropy.cxx
 * @brief Independent checks of the one-dimensional differential entropy estimators, the
 * mixed (atoms + continuous) model and the layer driver against closed forms and hand
 * computations (Documentation/entropy.md, "Continuous entropy"; Documentation/design.md
 * section 3.5).
 *
 * Expected values come from the mathematics, never from the implementation. Random data
 * use std::mt19937_64 with fixed seeds and distributions written here (inverse CDF,
 * Box-Muller), so the numbers do not depend on the standard library's distributions.
 * Tolerances of the statistical tests were set from the estimators' bias and spread at
 * the stated n (measured with an independent reference implementation over 10-40 seeds);
 * each test says which.
 */

#include "ActivationLayout.h"
#include "ContinuousEntropy.h"
#include "EntropyTypes.h"

#include "ClosedFormSampling.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace
{

using namespace cnnslicer;
using namespace cnnslicer_testing;

/// h of N(mu, sigma^2) in bits.
double normalEntropyBits(double sigma)
{
  return 0.5 * std::log2(2.0 * Pi * EulerE * sigma * sigma);
}

/// Binary entropy in bits.
double binaryEntropyBits(double p)
{
  return -p * std::log2(p) - (1.0 - p) * std::log2(1.0 - p);
}

std::vector<float> draw(std::size_t n, const std::function<double()>& f)
{
  std::vector<float> values(n);
  for (float& v : values)
  {
    v = static_cast<float>(f());
  }
  return values;
}

template<typename T>
void shuffle(std::vector<T>& values, Generator& rng)
{
  for (std::size_t i = values.size(); i > 1; --i)
  {
    std::swap(values[i - 1], values[rng.index(i)]);
  }
}

std::vector<float> sortedCopy(std::vector<float> values)
{
  std::sort(values.begin(), values.end());
  return values;
}

double estimate(ContinuousEstimator estimator, const std::vector<float>& values, int k = 3)
{
  switch (estimator)
  {
    case ContinuousEstimator::Gaussian:
      return gaussianEntropy(values.data(), values.size());
    case ContinuousEstimator::KernelDensity:
      return kernelDensityEntropy(values.data(), values.size());
    case ContinuousEstimator::NearestNeighbor:
      return nearestNeighborEntropy(values.data(), values.size(), k);
    case ContinuousEstimator::Spacing:
      return spacingEntropy(values.data(), values.size());
  }
  return NotANumber;
}

const ContinuousEstimator AllEstimators[] = { ContinuousEstimator::Gaussian,
                                              ContinuousEstimator::KernelDensity,
                                              ContinuousEstimator::NearestNeighbor,
                                              ContinuousEstimator::Spacing };

/// NaN or finite are both acceptable answers for degenerate data; -inf (or +inf) never is.
bool nanOrFinite(double v)
{
  return std::isnan(v) || std::isfinite(v);
}

/// Bit-for-bit equality of two double arrays (NaN payloads included).
bool sameBits(const std::vector<double>& a, const std::vector<double>& b)
{
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

// Distributions shared by the closed-form tests: U[-1, 3] (h = log2 4 = 2 bits),
// N(3, 2.5^2) (h = 0.5 log2(2 pi e 6.25) = 3.369 bits), Exp(rate 0.5) (h = log2(e/0.5) =
// 2.443 bits).
constexpr double UniformLow = -1.0;
constexpr double UniformHigh = 3.0;
constexpr double NormalMean = 3.0;
constexpr double NormalSigma = 2.5;
constexpr double ExponentialRate = 0.5;

std::vector<float> uniformSample(std::size_t n, std::uint64_t seed)
{
  Generator rng(seed);
  return draw(n, [&] { return rng.uniform(UniformLow, UniformHigh); });
}

std::vector<float> normalSample(std::size_t n, std::uint64_t seed)
{
  Generator rng(seed);
  return draw(n, [&] { return NormalMean + NormalSigma * rng.normal(); });
}

std::vector<float> exponentialSample(std::size_t n, std::uint64_t seed)
{
  Generator rng(seed);
  return draw(n, [&] { return rng.exponential(ExponentialRate); });
}

const double UniformBits = std::log2(UniformHigh - UniformLow);
const double NormalBits = normalEntropyBits(NormalSigma);
const double ExponentialBits = std::log2(EulerE / ExponentialRate);

} // namespace

// ---------------------------------------------------------------------------------------
// Closed forms, one-dimensional estimators (they return nats; compared in bits).
// ---------------------------------------------------------------------------------------

TEST(ContinuousClosedForm, GaussianEstimatorOnNormal)
{
  // n = 20000. The estimate is 0.5 log(2 pi e s^2); sd of 0.5 ln s^2 is sqrt(1/(2n)) =
  // 0.005 nats = 0.0072 bits. Tolerance 0.03 bits ~ 4 sd (either n or n-1 in s^2 moves it
  // by 3.6e-5 bits only).
  const auto x = normalSample(20000, 101);
  EXPECT_NEAR(toBits(gaussianEntropy(x.data(), x.size())), NormalBits, 0.03);
}

TEST(ContinuousClosedForm, GaussianEstimatorIsUpperBoundForUniformAndExponential)
{
  // The normal has the largest entropy for a given variance, so on non-normal data the
  // Gaussian estimator is an upper bound, not the true value. For U[a,b] it converges to
  // 0.5 log2(2 pi e (b-a)^2 / 12) = log2(b-a) + 0.2546 bits; for Exp(lambda) to
  // 0.5 log2(2 pi e / lambda^2) = log2(e/lambda) + 0.6044 bits.
  // n = 20000. Relative sd of s^2 is sqrt((kurtosis - 1)/n): 0.0063 (uniform, kurtosis
  // 1.8) and 0.018 (exponential, kurtosis 9), i.e. 0.0046 and 0.013 bits in h.
  // Tolerances 0.02 and 0.06 bits (>= 4 sd).
  const auto u = uniformSample(20000, 102);
  const double hu = toBits(gaussianEntropy(u.data(), u.size()));
  EXPECT_GT(hu, UniformBits + 0.2);
  EXPECT_NEAR(hu, 0.5 * std::log2(2.0 * Pi * EulerE / 12.0) + UniformBits, 0.02);

  const auto e = exponentialSample(20000, 103);
  const double he = toBits(gaussianEntropy(e.data(), e.size()));
  EXPECT_GT(he, ExponentialBits + 0.5);
  EXPECT_NEAR(he, 0.5 * std::log2(2.0 * Pi * EulerE) - std::log2(ExponentialRate), 0.06);
}

TEST(ContinuousClosedForm, KernelDensity)
{
  // n = 20000, Silverman bandwidth h ~ 0.9 sigma n^(-1/5) = 0.124 sigma.
  // Normal: bias -0.005 bits (smoothing +, self term -), sd 0.005 bits -> tolerance 0.03.
  // Uniform: the kernel leaks past both edges; the boundary bias is ~ 2 c h / (b-a) nats
  // with c = int_0^inf -ln Phi(u) du ~ 0.46, i.e. +0.047 bits, sd 0.0015 -> tolerance 0.08.
  // Exponential: same leak at 0, +0.057 bits, sd 0.017 -> tolerance 0.13.
  const auto x = normalSample(20000, 111);
  EXPECT_NEAR(toBits(kernelDensityEntropy(x.data(), x.size())), NormalBits, 0.03);
  const auto u = uniformSample(20000, 112);
  EXPECT_NEAR(toBits(kernelDensityEntropy(u.data(), u.size())), UniformBits, 0.08);
  const auto e = exponentialSample(20000, 113);
  EXPECT_NEAR(toBits(kernelDensityEntropy(e.data(), e.size())), ExponentialBits, 0.13);
}

TEST(ContinuousClosedForm, NearestNeighborK3)
{
  // n = 20000, k = 3. Kozachenko-Leonenko is asymptotically unbiased; measured bias
  // < 0.002 bits and sd 0.010 (normal), 0.008 (uniform), 0.014 (exponential) bits.
  // Tolerance 0.05 bits for the first two, 0.06 for the exponential (~4 sd). A radius /
  // diameter mix-up would be off by exactly 1 bit, psi(k) -> ln(k) by 0.25 bits.
  const auto x = normalSample(20000, 121);
  EXPECT_NEAR(toBits(nearestNeighborEntropy(x.data(), x.size(), 3)), NormalBits, 0.05);
  const auto u = uniformSample(20000, 122);
  EXPECT_NEAR(toBits(nearestNeighborEntropy(u.data(), u.size(), 3)), UniformBits, 0.05);
  const auto e = exponentialSample(20000, 123);
  EXPECT_NEAR(toBits(nearestNeighborEntropy(e.data(), e.size(), 3)), ExponentialBits, 0.06);
}

TEST(ContinuousClosedForm, Spacing)
{
  // n = 20000, m = floor(sqrt(n) + 0.5) = 141. Vasicek's estimator is biased low (the
  // clamped spacings at both ends are short): measured -0.009 bits (uniform, sd 0.0004),
  // +0.002 (normal, sd 0.006), -0.002 (exponential, sd 0.010). Tolerances 0.03, 0.03, 0.05.
  const auto x = normalSample(20000, 131);
  EXPECT_NEAR(toBits(spacingEntropy(x.data(), x.size())), NormalBits, 0.03);
  const auto u = uniformSample(20000, 132);
  EXPECT_NEAR(toBits(spacingEntropy(u.data(), u.size())), UniformBits, 0.03);
  const auto e = exponentialSample(20000, 133);
  EXPECT_NEAR(toBits(spacingEntropy(e.data(), e.size())), ExponentialBits, 0.05);
}

TEST(ContinuousClosedForm, SortedFlagAndDispatchGiveTheSameNumber)
{
  // The estimators are symmetric functions of the data and the sorted flag only skips a
  // sort: unsorted input and the same values sorted (flag set) agree up to the rounding of
  // sums taken in a different order (n = 3000, 1e-12 nats). differentialEntropy only
  // dispatches, so on the same input it must equal the direct call exactly.
  const auto x = exponentialSample(3000, 141);
  const auto s = sortedCopy(x);
  EXPECT_NEAR(kernelDensityEntropy(x.data(), x.size()),
              kernelDensityEntropy(s.data(), s.size(), true),
              1e-12);
  EXPECT_NEAR(nearestNeighborEntropy(x.data(), x.size(), 3),
              nearestNeighborEntropy(s.data(), s.size(), 3, true),
              1e-12);
  EXPECT_NEAR(spacingEntropy(x.data(), x.size()), spacingEntropy(s.data(), s.size(), true), 1e-12);
  EXPECT_NEAR(
    silvermanBandwidth(x.data(), x.size()), silvermanBandwidth(s.data(), s.size(), true), 1e-12);

  for (ContinuousEstimator estimator : AllEstimators)
  {
    ContinuousEntropyOptions options;
    options.Estimator = estimator;
    options.K = 3;
    EXPECT_EQ(differentialEntropy(options, s.data(), s.size(), true), estimate(estimator, s))
      << estimatorName(estimator);
  }
}

// ---------------------------------------------------------------------------------------
// Kernel density: FFT evaluation vs the exact sum, the exact sum itself, Silverman's rule.
// ---------------------------------------------------------------------------------------

TEST(ContinuousKde, FftMatchesExactSumWithinOneMillibit)
{
  // Documentation/entropy.md: the binned FFT evaluation is within 1e-3 bits of the exact O(n^2)
  // resubstitution sum. n = 2000-5000 on a light-tailed, a bimodal, a skewed and a
  // heavy-tailed (Student t, 3 dof: extreme outliers stretch the grid) distribution, plus
  // a narrow cloud far from 0 (float rounding makes ties).
  Generator rng(151);
  const auto normal = draw(5000, [&] { return rng.normal(); });
  const auto bimodal = draw(
    4000,
    [&] { return rng.uniform() < 0.3 ? -4.0 + 0.5 * rng.normal() : 2.0 + 1.5 * rng.normal(); });
  const auto exponential = draw(3000, [&] { return rng.exponential(2.0); });
  const auto student = draw(5000, [&] { return rng.studentT3(); });
  const auto narrow = draw(2000, [&] { return 1000.0 + 1e-3 * rng.normal(); });
  // One far outlier stretches the range to ~10^7 bandwidths, more than any sensible
  // FFT grid: whatever path the implementation takes, it must still match the exact sum.
  auto outlier = draw(3000, [&] { return rng.normal(); });
  outlier[1234] = 1.0e6f;

  const std::pair<const char*, const std::vector<float>*> cases[] = {
    { "normal", &normal },
    { "bimodal", &bimodal },
    { "exponential", &exponential },
    { "student-t3", &student },
    { "narrow, offset 1000", &narrow },
    { "far outlier", &outlier }
  };
  for (const auto& c : cases)
  {
    const std::vector<float>& x = *c.second;
    const double fast = kernelDensityEntropy(x.data(), x.size());
    const double exact = kernelDensityEntropyExact(x.data(), x.size());
    ASSERT_TRUE(std::isfinite(exact)) << c.first;
    EXPECT_NEAR(toBits(fast), toBits(exact), 1e-3) << c.first;
  }
}

TEST(ContinuousKde, ExactSumIsTheResubstitutionEstimate)
{
  // The reference itself: -(1/n) sum_i ln f_h(x_i), f_h(x) = (1/(n h)) sum_j phi((x -
  // x_j)/h) including j = i, written out here with the core's bandwidth (checked on its own
  // below). n = 1500; only the summation order differs, so 1e-9 nats.
  Generator rng(152);
  const auto x =
    draw(1500, [&] { return rng.uniform() < 0.5 ? rng.normal() : 5.0 + rng.normal(); });
  const double h = silvermanBandwidth(x.data(), x.size());
  ASSERT_GT(h, 0.0);
  const double n = static_cast<double>(x.size());
  double sum = 0.0;
  for (float xi : x)
  {
    double f = 0.0;
    for (float xj : x)
    {
      const double z = (static_cast<double>(xi) - static_cast<double>(xj)) / h;
      f += std::exp(-0.5 * z * z);
    }
    sum -= std::log(f / (n * h * std::sqrt(2.0 * Pi)));
  }
  EXPECT_NEAR(kernelDensityEntropyExact(x.data(), x.size()), sum / n, 1e-9);
}

TEST(ContinuousKde, SilvermanQuartileBranch)
{
  // h = 0.9 min(sigma, IQR/1.34) n^(-1/5). Data (n = 11, given unsorted):
  // sorted -10 -1 -1 -1 0 0 0 1 1 1 10. The order statistics around ranks n/4 and 3n/4
  // are all -1 and 1, so Q1 = -1 and Q3 = 1 under every quantile convention: IQR = 2,
  // IQR/1.34 = 1.4925 < sigma (4.33 or 4.54), h = 0.9 * 2/1.34 * 11^(-0.2) = 0.83155.
  const std::vector<float> x{ 0, 1, -1, 10, 0, -1, 1, -10, 1, 0, -1 };
  EXPECT_NEAR(
    silvermanBandwidth(x.data(), x.size()), 0.9 * (2.0 / 1.34) * std::pow(11.0, -0.2), 1e-12);
}

TEST(ContinuousKde, SilvermanSigmaBranchUsesSampleStandardDeviation)
{
  // n = 10: five -1 and five +1. Q1 = -1, Q3 = 1 (IQR/1.34 = 1.49); the sample standard
  // deviation (n - 1 in the denominator, as R's bw.nrd0 whose formula entropy.md uses) is
  // sqrt(10/9) = 1.0541, so h = 0.9 * sqrt(10/9) * 10^(-0.2) = 0.59858. (With n in the
  // denominator it would be 0.56787, 5% smaller.)
  const std::vector<float> x{ -1, 1, -1, 1, -1, 1, -1, 1, -1, 1 };
  EXPECT_NEAR(silvermanBandwidth(x.data(), x.size()),
              0.9 * std::sqrt(10.0 / 9.0) * std::pow(10.0, -0.2),
              1e-12);
}

TEST(ContinuousKde, SilvermanFallsBackToSigmaWhenIqrIsZero)
{
  // n = 10: nine 0 and one 5. Q1 = Q3 = 0, so IQR = 0 and h = 0.9 sigma n^(-1/5) with
  // sigma^2 = (9 * 0.25 + 20.25) / 9 = 2.5: h = 0.9 * sqrt(2.5) * 10^(-0.2) = 0.89784.
  const std::vector<float> x{ 0, 0, 0, 0, 5, 0, 0, 0, 0, 0 };
  EXPECT_NEAR(
    silvermanBandwidth(x.data(), x.size()), 0.9 * std::sqrt(2.5) * std::pow(10.0, -0.2), 1e-12);
}

TEST(ContinuousKde, SilvermanInterpolatedQuartiles)
{
  // n = 10: 0 1 2 ... 8 100. Quartiles by linear interpolation between order statistics
  // at position p (n - 1) (the default of R and NumPy): Q1 = 2.25, Q3 = 6.75, IQR = 4.5;
  // sigma ~ 30 is far larger, so h = 0.9 * 4.5/1.34 * 10^(-0.2) = 1.90695.
  const std::vector<float> x{ 100, 0, 1, 2, 3, 4, 5, 6, 7, 8 };
  EXPECT_NEAR(
    silvermanBandwidth(x.data(), x.size()), 0.9 * (4.5 / 1.34) * std::pow(10.0, -0.2), 1e-12);
}

// ---------------------------------------------------------------------------------------
// k-NN (Kozachenko-Leonenko), 1-D: exact lattice cases check psi(n) - psi(k), V_1 = 2
// (radius, not diameter) and ties.
// ---------------------------------------------------------------------------------------

TEST(ContinuousKnn, LatticeK1)
{
  // n = 1000 points 0, s, 2s, ... with s = 0.25 (exact in float), given shuffled. Every
  // nearest neighbour is at distance s, so h = psi(n) - psi(1) + ln 2 + ln s exactly.
  const std::size_t n = 1000;
  const double s = 0.25;
  std::vector<float> x(n);
  for (std::size_t i = 0; i < n; ++i)
  {
    x[i] = static_cast<float>(s * static_cast<double>(i));
  }
  Generator rng(161);
  shuffle(x, rng);
  const double expected = digammaOfInteger(n) - digammaOfInteger(1) + std::log(2.0) + std::log(s);
  EXPECT_NEAR(nearestNeighborEntropy(x.data(), n, 1), expected, 1e-9);
}

TEST(ContinuousKnn, LatticeK3)
{
  // Same lattice, k = 3: the third neighbour is at 2s except at the two ends (3s), so
  // sum ln eps = (n - 2) ln 2s + 2 ln 3s and
  // h = psi(n) - psi(3) + ln 2 + [(n - 2) ln 2s + 2 ln 3s] / n.
  const std::size_t n = 1000;
  const double s = 0.25;
  std::vector<float> x(n);
  for (std::size_t i = 0; i < n; ++i)
  {
    x[i] = static_cast<float>(s * static_cast<double>(i));
  }
  Generator rng(162);
  shuffle(x, rng);
  const double nd = static_cast<double>(n);
  const double expected = digammaOfInteger(n) - digammaOfInteger(3) + std::log(2.0) +
                          ((nd - 2.0) * std::log(2.0 * s) + 2.0 * std::log(3.0 * s)) / nd;
  EXPECT_NEAR(nearestNeighborEntropy(x.data(), n, 3), expected, 1e-9);
}

TEST(ContinuousKnn, DuplicatedLatticeCountsTies)
{
  // Every lattice value twice (m = 500 values, n = 1000), k = 3: each point has its copy at
  // 0 and then at least two points at distance s, so eps = s for every point and
  // h = psi(n) - psi(3) + ln 2 + ln s. Dropping duplicates or treating the copy as the
  // neighbour at eps = 0 would both show here.
  const std::size_t m = 500;
  const double s = 0.5;
  std::vector<float> x;
  for (std::size_t i = 0; i < m; ++i)
  {
    x.push_back(static_cast<float>(s * static_cast<double>(i)));
    x.push_back(static_cast<float>(s * static_cast<double>(i)));
  }
  Generator rng(163);
  shuffle(x, rng);
  const double expected =
    digammaOfInteger(2 * m) - digammaOfInteger(3) + std::log(2.0) + std::log(s);
  EXPECT_NEAR(nearestNeighborEntropy(x.data(), x.size(), 3), expected, 1e-9);
}

// ---------------------------------------------------------------------------------------
// Vasicek m-spacing by hand.
// ---------------------------------------------------------------------------------------

namespace
{
/// Vasicek (1976): (1/n) sum_i ln(n/(2m) (x_(i+m) - x_(i-m))), order statistics clamped to
/// x_(1) and x_(n) outside [1, n]; evaluated on small hand data.
double vasicekByHand(std::vector<float> x, std::size_t m)
{
  std::sort(x.begin(), x.end());
  const std::ptrdiff_t n = static_cast<std::ptrdiff_t>(x.size());
  const std::ptrdiff_t mm = static_cast<std::ptrdiff_t>(m);
  double sum = 0.0;
  for (std::ptrdiff_t i = 0; i < n; ++i)
  {
    const double upper = x[static_cast<std::size_t>(std::min(n - 1, i + mm))];
    const double lower = x[static_cast<std::size_t>(std::max<std::ptrdiff_t>(0, i - mm))];
    sum += std::log(static_cast<double>(n) / (2.0 * static_cast<double>(m)) * (upper - lower));
  }
  return sum / static_cast<double>(n);
}
} // namespace

TEST(ContinuousSpacing, HandComputedSmallSamples)
{
  // n = 13: sqrt(13) = 3.61, so m = floor(3.61 + 0.5) = 4 (plain floor would give 3).
  // n = 12: sqrt(12) = 3.46, m = 3. Irregular values exact in float; 1e-12 nats.
  const std::vector<float> x13{ 4.75f, 0.0f,  1.25f, 9.5f, 0.5f, 3.0f, 7.25f,
                                1.5f,  10.0f, 2.75f, 6.0f, 4.5f, 8.0f };
  EXPECT_NEAR(spacingEntropy(x13.data(), x13.size()), vasicekByHand(x13, 4), 1e-12);
  const std::vector<float> x12(x13.begin(), x13.end() - 1);
  EXPECT_NEAR(spacingEntropy(x12.data(), x12.size()), vasicekByHand(x12, 3), 1e-12);
}

// ---------------------------------------------------------------------------------------
// Point masses and the mixed entropy H_mix = -sum p_j log p_j - p_c log p_c + p_c h_c.
// ---------------------------------------------------------------------------------------

namespace
{
/// 6000 exact zeros and 4000 values uniform on (0, 2), shuffled (n = 10000).
std::vector<float> zerosAndUniform()
{
  Generator rng(171);
  std::vector<float> x(10000, 0.0f);
  for (std::size_t i = 6000; i < x.size(); ++i)
  {
    x[i] = static_cast<float>(rng.uniform(0.0, 2.0));
  }
  shuffle(x, rng);
  return x;
}
} // namespace

TEST(ContinuousAtoms, ThresholdFindsTheZeroAtom)
{
  // 60% zeros + 40% U(0,2): p_atoms = 0.6, h_c = log2 2 = 1 bit and
  // H_mix = H_b(0.6) + 0.4 * 1 = 0.970951 + 0.4 = 1.370951 bits.
  // h_c comes from n = 4000 continuous values. Tolerances on h_c: k-NN (bias -0.003 bits,
  // sd 0.018) 0.08; spacing (bias -0.020, sd 0.0013) 0.05; KDE (edge leak +0.067, sd
  // 0.0034) 0.1. H_mix carries 0.4 times that error.
  const auto sorted = sortedCopy(zerosAndUniform());
  const double expectedMixed = binaryEntropyBits(0.6) + 0.4 * 1.0;
  EXPECT_NEAR(expectedMixed, 1.3709505944546687, 1e-12);

  const std::pair<ContinuousEstimator, double> cases[] = {
    { ContinuousEstimator::NearestNeighbor, 0.08 },
    { ContinuousEstimator::Spacing, 0.05 },
    { ContinuousEstimator::KernelDensity, 0.1 }
  };
  for (const auto& c : cases)
  {
    ContinuousEntropyOptions options;
    options.Estimator = c.first;
    options.Atoms = AtomMode::Threshold;
    const auto atoms = findAtoms(options, sorted);
    ASSERT_EQ(atoms.size(), 1u);
    EXPECT_EQ(atoms[0], 0.0f);
    const MixedEntropy r = mixedEntropy(options, sorted, atoms);
    EXPECT_EQ(r.Count, 10000u);
    EXPECT_EQ(r.NonFinite, 0u);
    EXPECT_EQ(r.Atoms, 1u);
    EXPECT_NEAR(r.AtomProbability, 0.6, 1e-12);
    EXPECT_NEAR(r.ContinuousEntropy, 1.0, c.second) << estimatorName(c.first);
    EXPECT_NEAR(r.Entropy, expectedMixed, 0.4 * c.second) << estimatorName(c.first);
    // The reported numbers must satisfy the definition among themselves.
    EXPECT_NEAR(r.Entropy,
                binaryEntropyBits(r.AtomProbability) +
                  (1.0 - r.AtomProbability) * r.ContinuousEntropy,
                1e-12)
      << estimatorName(c.first);
  }
}

TEST(ContinuousAtoms, FixedValuesZeroGivesTheSameResult)
{
  // The fixed list {0} names the same atom as the threshold rule, so every number is equal.
  const auto sorted = sortedCopy(zerosAndUniform());
  ContinuousEntropyOptions threshold;
  threshold.Estimator = ContinuousEstimator::NearestNeighbor;
  ContinuousEntropyOptions fixed = threshold;
  fixed.Atoms = AtomMode::FixedValues;
  fixed.AtomValues = { 0.0 };
  const auto atoms = findAtoms(fixed, sorted);
  ASSERT_EQ(atoms.size(), 1u);
  EXPECT_EQ(atoms[0], 0.0f);
  const MixedEntropy a = mixedEntropy(threshold, sorted, findAtoms(threshold, sorted));
  const MixedEntropy b = mixedEntropy(fixed, sorted, atoms);
  EXPECT_EQ(a.Entropy, b.Entropy);
  EXPECT_EQ(a.ContinuousEntropy, b.ContinuousEntropy);
  EXPECT_EQ(a.AtomProbability, b.AtomProbability);
  EXPECT_EQ(a.Atoms, b.Atoms);
}

TEST(ContinuousAtoms, TwoFixedAtomsAndNatsUnit)
{
  // 30% zeros, 20% ones, 50% U(2, 4) (n = 10000): H_mix = H(0.3, 0.2, 0.5) + 0.5 * h_c with
  // h_c = 1 bit; H(0.3, 0.2, 0.5) = 1.485475 bits. k-NN on 5000 values: sd 0.016 bits,
  // tolerance 0.07 on h_c, 0.035 on H_mix. In nats every reported entropy is ln 2 times
  // the bits value (1e-12).
  Generator rng(172);
  std::vector<float> x(10000, 0.0f);
  for (std::size_t i = 3000; i < 5000; ++i)
  {
    x[i] = 1.0f;
  }
  for (std::size_t i = 5000; i < x.size(); ++i)
  {
    x[i] = static_cast<float>(rng.uniform(2.0, 4.0));
  }
  const auto sorted = sortedCopy(x);
  ContinuousEntropyOptions options;
  options.Estimator = ContinuousEstimator::NearestNeighbor;
  options.Atoms = AtomMode::FixedValues;
  options.AtomValues = { 1.0, 0.0 };
  const auto atoms = findAtoms(options, sorted);
  ASSERT_EQ(atoms.size(), 2u);
  EXPECT_EQ(atoms[0], 0.0f);
  EXPECT_EQ(atoms[1], 1.0f);
  const MixedEntropy bits = mixedEntropy(options, sorted, atoms);
  const double h3 = -(0.3 * std::log2(0.3) + 0.2 * std::log2(0.2) + 0.5 * std::log2(0.5));
  EXPECT_NEAR(bits.AtomProbability, 0.5, 1e-12);
  EXPECT_EQ(bits.Atoms, 2u);
  EXPECT_NEAR(bits.ContinuousEntropy, 1.0, 0.07);
  EXPECT_NEAR(bits.Entropy, h3 + 0.5, 0.035);

  options.Unit = EntropyUnit::Nats;
  const MixedEntropy nats = mixedEntropy(options, sorted, atoms);
  EXPECT_NEAR(nats.Entropy, bits.Entropy * Ln2, 1e-12);
  EXPECT_NEAR(nats.ContinuousEntropy, bits.ContinuousEntropy * Ln2, 1e-12);
  EXPECT_EQ(nats.AtomProbability, bits.AtomProbability);
}

TEST(ContinuousAtoms, OffNeverGivesMinusInfinity)
{
  // Without atom separation the 6000 zeros make k-NN distances and spacings exactly 0;
  // the result may be very negative, but it must be finite or NaN, never -inf. The
  // Gaussian and KDE estimates have a positive scale here and must be finite.
  const auto sorted = sortedCopy(zerosAndUniform());
  for (ContinuousEstimator estimator : AllEstimators)
  {
    ContinuousEntropyOptions options;
    options.Estimator = estimator;
    options.Atoms = AtomMode::Off;
    const auto atoms = findAtoms(options, sorted);
    EXPECT_TRUE(atoms.empty()) << estimatorName(estimator);
    const MixedEntropy r = mixedEntropy(options, sorted, atoms);
    EXPECT_EQ(r.AtomProbability, 0.0) << estimatorName(estimator);
    EXPECT_TRUE(nanOrFinite(r.Entropy)) << estimatorName(estimator) << " " << r.Entropy;
    EXPECT_TRUE(nanOrFinite(r.ContinuousEntropy)) << estimatorName(estimator);
    const double direct = estimate(estimator, sorted);
    EXPECT_TRUE(nanOrFinite(direct)) << estimatorName(estimator) << " " << direct;
    if (estimator == ContinuousEstimator::Gaussian ||
        estimator == ContinuousEstimator::KernelDensity)
    {
      EXPECT_TRUE(std::isfinite(r.Entropy)) << estimatorName(estimator);
    }
  }
}

TEST(ContinuousAtoms, ThresholdNeedsRepeatsAtTheGivenShare)
{
  // Continuous data never repeat: n = 400 normal values give no atom even though one
  // observation is 0.25% > 0.1% of the sample (an atom must repeat).
  const auto normal = sortedCopy(normalSample(400, 173));
  ContinuousEntropyOptions options;
  EXPECT_TRUE(findAtoms(options, normal).empty());

  // n = 10000, threshold 0.1% = 10 observations: 9 copies of 5 are not an atom, 10 copies
  // of 7 are ("at least"; 0.001 * 10000 must not round past 10).
  Generator rng(174);
  std::vector<float> x = draw(10000, [&] { return rng.uniform(-1.0, 1.0); });
  for (std::size_t i = 0; i < 9; ++i)
  {
    x[i] = 5.0f;
  }
  for (std::size_t i = 9; i < 19; ++i)
  {
    x[i] = 7.0f;
  }
  const auto atoms = findAtoms(options, sortedCopy(x));
  ASSERT_EQ(atoms.size(), 1u);
  EXPECT_EQ(atoms[0], 7.0f);
}

// ---------------------------------------------------------------------------------------
// Degenerate inputs: NaN (counted) or finite, never -inf, never a crash.
// ---------------------------------------------------------------------------------------

TEST(ContinuousDegenerate, TooFewDistinctValuesGiveNaN)
{
  // Documentation/entropy.md: fewer than k+1 distinct values for k-NN, fewer than 2 for
  // the others, give NaN.
  const std::vector<float> empty;
  const std::vector<float> one{ 1.5f };
  const std::vector<float> equal(100, 2.25f);
  for (ContinuousEstimator estimator : AllEstimators)
  {
    EXPECT_TRUE(std::isnan(estimate(estimator, empty))) << estimatorName(estimator);
    EXPECT_TRUE(std::isnan(estimate(estimator, one))) << estimatorName(estimator);
    EXPECT_TRUE(std::isnan(estimate(estimator, equal))) << estimatorName(estimator);
  }
  EXPECT_TRUE(std::isnan(kernelDensityEntropyExact(empty.data(), 0)));
  EXPECT_TRUE(std::isnan(kernelDensityEntropyExact(equal.data(), equal.size())));

  // k = 3 needs 4 distinct values: 2 or 3 distinct values (many copies each) give NaN.
  std::vector<float> two(50, 0.0f);
  two.insert(two.end(), 50, 1.0f);
  std::vector<float> three = two;
  three.insert(three.end(), 50, 2.0f);
  EXPECT_TRUE(std::isnan(nearestNeighborEntropy(two.data(), two.size(), 3)));
  EXPECT_TRUE(std::isnan(nearestNeighborEntropy(three.data(), three.size(), 3)));
  ContinuousEntropyOptions options;
  options.Estimator = ContinuousEstimator::NearestNeighbor;
  EXPECT_EQ(options.minimumDistinctValues(), 4u);
  options.Estimator = ContinuousEstimator::Spacing;
  EXPECT_EQ(options.minimumDistinctValues(), 2u);

  // Two distinct values are enough for the other estimators; whatever they say, never -inf.
  for (ContinuousEstimator estimator : AllEstimators)
  {
    const double h = estimate(estimator, two);
    EXPECT_TRUE(nanOrFinite(h)) << estimatorName(estimator) << " " << h;
  }
  EXPECT_TRUE(std::isfinite(gaussianEntropy(two.data(), two.size())));
}

TEST(ContinuousDegenerate, MixedEntropyOfEmptyConstantAndSingleSamples)
{
  ContinuousEntropyOptions options;
  options.Estimator = ContinuousEstimator::NearestNeighbor;

  // Empty: nothing to estimate.
  const std::vector<float> empty;
  const MixedEntropy e = mixedEntropy(options, empty, findAtoms(options, empty));
  EXPECT_EQ(e.Count, 0u);
  EXPECT_TRUE(std::isnan(e.Entropy));

  // All equal: one atom of probability 1, H_mix = -1 log 1 = 0 exactly; the continuous
  // part is empty (p_c h_c counts as 0).
  const std::vector<float> equal(500, 0.0f);
  const auto atoms = findAtoms(options, equal);
  ASSERT_EQ(atoms.size(), 1u);
  const MixedEntropy c = mixedEntropy(options, equal, atoms);
  EXPECT_EQ(c.Entropy, 0.0);
  EXPECT_EQ(c.AtomProbability, 1.0);
  EXPECT_EQ(c.Count, 500u);

  // All equal with atoms off: too few distinct values -> NaN.
  options.Atoms = AtomMode::Off;
  const MixedEntropy off = mixedEntropy(options, equal, {});
  EXPECT_TRUE(std::isnan(off.Entropy));

  // A single observation, any mode: no crash, never -inf.
  const std::vector<float> one{ 3.0f };
  for (AtomMode mode : { AtomMode::Threshold, AtomMode::FixedValues, AtomMode::Off })
  {
    options.Atoms = mode;
    const MixedEntropy r = mixedEntropy(options, one, findAtoms(options, one));
    EXPECT_TRUE(nanOrFinite(r.Entropy));
    EXPECT_EQ(r.Count, 1u);
  }
}

TEST(ContinuousDegenerate, LayoutWithNonFiniteAndConstantNeurons)
{
  // One channel, 3 neurons, 300 samples. Neuron 0: normal values with 7 NaN, 3 +Inf and
  // 2 -Inf mixed in -> NonFinite = 12, Count = 288, finite entropy. Neuron 1: constant 0.5.
  // Neuron 2: all NaN -> Count 0, NaN entropy.
  const std::size_t samples = 300;
  const std::size_t points = 3;
  std::vector<float> values(points * samples);
  Generator rng(181);
  for (std::size_t n = 0; n < samples; ++n)
  {
    values[n] = static_cast<float>(rng.normal());
    values[samples + n] = 0.5f;
    values[2 * samples + n] = std::numeric_limits<float>::quiet_NaN();
  }
  for (std::size_t n = 0; n < 7; ++n)
  {
    values[10 + 20 * n] = std::numeric_limits<float>::quiet_NaN();
  }
  for (std::size_t n = 0; n < 3; ++n)
  {
    values[15 + 20 * n] = std::numeric_limits<float>::infinity();
  }
  for (std::size_t n = 0; n < 2; ++n)
  {
    values[17 + 20 * n] = -std::numeric_limits<float>::infinity();
  }

  ActivationLayout<float> layout;
  layout.Values = values.data();
  layout.NumberOfPoints = points;
  layout.NumberOfSamples = samples;
  layout.NumberOfChannels = 1;
  ASSERT_EQ(layout.validate(), "");
  const SampleGrouping all = SampleGrouping::all(samples);

  for (ContinuousEstimator estimator : AllEstimators)
  {
    for (AtomMode mode : { AtomMode::Threshold, AtomMode::Off })
    {
      ContinuousEntropyOptions options;
      options.Estimator = estimator;
      options.Atoms = mode;
      LayerContinuousEntropy r;
      ASSERT_TRUE(computeContinuousEntropy(layout, all, options, r, 1));
      const std::string what = std::string(estimatorName(estimator)) +
                               (mode == AtomMode::Off ? " atoms off" : " threshold");
      ASSERT_EQ(r.Neurons.size(), points) << what;
      EXPECT_EQ(r.Neurons.NonFinite[0], 12u) << what;
      EXPECT_EQ(r.Neurons.Count[0], 288u) << what;
      EXPECT_TRUE(std::isfinite(r.Neurons.Entropy[0])) << what;
      EXPECT_EQ(r.Neurons.Count[1], samples) << what;
      EXPECT_EQ(r.Neurons.NonFinite[2], samples) << what;
      EXPECT_EQ(r.Neurons.Count[2], 0u) << what;
      EXPECT_TRUE(std::isnan(r.Neurons.Entropy[2])) << what;
      if (mode == AtomMode::Threshold)
      {
        // The constant neuron is one atom: p_atoms = 1 and H_mix = 0.
        EXPECT_EQ(r.Neurons.Entropy[1], 0.0) << what;
        EXPECT_EQ(r.Neurons.AtomProbability[1], 1.0) << what;
        EXPECT_EQ(r.Neurons.undefinedCount(), 1u) << what;
      }
      else
      {
        EXPECT_TRUE(std::isnan(r.Neurons.Entropy[1])) << what;
        EXPECT_EQ(r.Neurons.undefinedCount(), 2u) << what;
      }
      // Pooled scopes: 288 + 300 finite values, 12 + 300 non-finite ones.
      ASSERT_EQ(r.Channels.size(), 1u) << what;
      ASSERT_EQ(r.Layer.size(), 1u) << what;
      EXPECT_EQ(r.Channels.Count[0], 588u) << what;
      EXPECT_EQ(r.Channels.NonFinite[0], 312u) << what;
      EXPECT_EQ(r.Layer.Count[0], 588u) << what;
      EXPECT_EQ(r.Layer.NonFinite[0], 312u) << what;
      EXPECT_TRUE(nanOrFinite(r.Channels.Entropy[0])) << what;
      EXPECT_TRUE(nanOrFinite(r.Layer.Entropy[0])) << what;
      if (mode == AtomMode::Threshold)
      {
        EXPECT_NEAR(r.Channels.AtomProbability[0], 300.0 / 588.0, 1e-12) << what;
        EXPECT_TRUE(std::isfinite(r.Channels.Entropy[0])) << what;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// Layer driver: class conditioning and thread independence.
// ---------------------------------------------------------------------------------------

namespace
{
/// 2000 samples with labels 0..3 in counts 800/600/400/200 (shuffled):
/// H(Y) = H(0.4, 0.3, 0.2, 0.1) = 1.846439 bits.
/// Channel 0 (points 0, 1): activation = label exactly (T = Y, all atoms).
/// Channel 1 (points 2, 3): N(0, 1) independent of the label.
struct LabelledLayer
{
  static constexpr std::size_t Samples = 2000;
  static constexpr std::size_t Points = 4;
  std::vector<std::int64_t> Labels;
  std::vector<float> Values;
  ActivationLayout<float> Layout;

  LabelledLayer()
  {
    Generator rng(191);
    for (std::int64_t k = 0; k < 4; ++k)
    {
      Labels.insert(Labels.end(), static_cast<std::size_t>(800 - 200 * k), k);
    }
    shuffle(Labels, rng);
    Values.resize(Points * Samples);
    for (std::size_t n = 0; n < Samples; ++n)
    {
      Values[n] = static_cast<float>(Labels[n]);
      Values[Samples + n] = static_cast<float>(Labels[n]);
      Values[2 * Samples + n] = static_cast<float>(rng.normal());
      Values[3 * Samples + n] = static_cast<float>(rng.normal());
    }
    Layout.Values = Values.data();
    Layout.NumberOfPoints = Points;
    Layout.NumberOfSamples = Samples;
    Layout.NumberOfChannels = 2;
  }
};

double labelEntropyBits()
{
  return -(0.4 * std::log2(0.4) + 0.3 * std::log2(0.3) + 0.2 * std::log2(0.2) +
           0.1 * std::log2(0.1));
}

void expectSameBits(const ScopeEntropy& a, const ScopeEntropy& b, const char* scope)
{
  EXPECT_TRUE(sameBits(a.Entropy, b.Entropy)) << scope;
  EXPECT_TRUE(sameBits(a.ConditionalEntropy, b.ConditionalEntropy)) << scope;
  EXPECT_TRUE(sameBits(a.MutualInformation, b.MutualInformation)) << scope;
  EXPECT_TRUE(sameBits(a.AtomProbability, b.AtomProbability)) << scope;
  EXPECT_TRUE(sameBits(a.ContinuousEntropy, b.ContinuousEntropy)) << scope;
  ASSERT_EQ(a.ClassEntropy.size(), b.ClassEntropy.size()) << scope;
  for (std::size_t k = 0; k < a.ClassEntropy.size(); ++k)
  {
    EXPECT_TRUE(sameBits(a.ClassEntropy[k], b.ClassEntropy[k])) << scope;
  }
  EXPECT_EQ(a.Count, b.Count) << scope;
  EXPECT_EQ(a.NonFinite, b.NonFinite) << scope;
  EXPECT_EQ(a.AtomCount, b.AtomCount) << scope;
}
} // namespace

TEST(ContinuousLayout, ClassConditionalEntropyAndMutualInformation)
{
  const LabelledLayer data;
  ASSERT_EQ(data.Layout.validate(), "");
  const SampleGrouping grouping = SampleGrouping::fromLabels(data.Labels);
  ASSERT_TRUE(grouping.hasClasses());
  ASSERT_EQ(grouping.numberOfGroups(), 4);
  const double hy = labelEntropyBits();
  const double hNormal = normalEntropyBits(1.0);

  ContinuousEntropyOptions options; // KDE, threshold atoms, bits
  options.PerClass = true;
  LayerContinuousEntropy r;
  ASSERT_TRUE(computeContinuousEntropy(data.Layout, grouping, options, r, 1));
  ASSERT_EQ(r.Neurons.size(), 4u);
  ASSERT_EQ(r.Channels.size(), 2u);
  ASSERT_EQ(r.Layer.size(), 1u);
  ASSERT_EQ(r.Neurons.ConditionalEntropy.size(), 4u);
  ASSERT_EQ(r.Neurons.MutualInformation.size(), 4u);
  ASSERT_EQ(r.Neurons.ClassEntropy.size(), 4u);

  // T = Y: every value is one of 4 atoms, so H(T) = H(Y), H(T|Y=k) = 0, H(T|Y) = 0 and
  // I(T;Y) = H(Y), exactly up to rounding (1e-12 bits). Same for channel 0, which pools the
  // two identical neurons.
  for (std::size_t p = 0; p < 2; ++p)
  {
    EXPECT_NEAR(r.Neurons.Entropy[p], hy, 1e-12);
    EXPECT_NEAR(r.Neurons.ConditionalEntropy[p], 0.0, 1e-12);
    EXPECT_NEAR(r.Neurons.MutualInformation[p], hy, 1e-12);
    EXPECT_EQ(r.Neurons.AtomProbability[p], 1.0);
    EXPECT_EQ(r.Neurons.AtomCount[p], 4u);
    EXPECT_EQ(r.Neurons.Count[p], LabelledLayer::Samples);
    for (std::size_t k = 0; k < 4; ++k)
    {
      ASSERT_EQ(r.Neurons.ClassEntropy[k].size(), 4u);
      EXPECT_NEAR(r.Neurons.ClassEntropy[k][p], 0.0, 1e-12);
    }
  }
  EXPECT_NEAR(r.Channels.Entropy[0], hy, 1e-12);
  EXPECT_NEAR(r.Channels.ConditionalEntropy[0], 0.0, 1e-12);
  EXPECT_NEAR(r.Channels.MutualInformation[0], hy, 1e-12);
  EXPECT_EQ(r.Channels.Count[0], 2 * LabelledLayer::Samples);

  // T independent of Y: I(T;Y) = 0. The estimate is H(T) at n = 2000 minus the weighted
  // class estimates at n_k = 200..800; its sd is about sqrt(0.5 / n) nats = 0.023 bits and
  // the n-dependence of the KDE bias adds < 0.02 bits. Tolerance 0.1 bits. H(T) itself:
  // KDE at n = 2000 (bias -0.01, sd 0.023 bits), tolerance 0.1 bits.
  for (std::size_t p = 2; p < 4; ++p)
  {
    EXPECT_NEAR(r.Neurons.MutualInformation[p], 0.0, 0.1);
    EXPECT_NEAR(r.Neurons.Entropy[p], hNormal, 0.1);
    EXPECT_NEAR(r.Neurons.Entropy[p] - r.Neurons.ConditionalEntropy[p],
                r.Neurons.MutualInformation[p],
                1e-12);
    EXPECT_EQ(r.Neurons.AtomProbability[p], 0.0);
    EXPECT_EQ(r.Neurons.AtomCount[p], 0u);
  }
  EXPECT_NEAR(r.Channels.MutualInformation[1], 0.0, 0.1);
  EXPECT_NEAR(r.Channels.Entropy[1], hNormal, 0.1);

  // Layer (8000 values): half are the label atoms, half N(0,1).
  // H(T) = -sum_k (q_k/2) log2(q_k/2) - 0.5 log2 0.5 + 0.5 h = 0.5 H(Y) + 1 + 0.5 h;
  // in class k one atom with p = 0.5: H(T|Y=k) = 1 + 0.5 h_k, so I(T;Y) = 0.5 H(Y) up to
  // half the continuous estimation error above: tolerance 0.05 bits.
  EXPECT_NEAR(r.Layer.AtomProbability[0], 0.5, 1e-12);
  EXPECT_EQ(r.Layer.AtomCount[0], 4u);
  EXPECT_NEAR(r.Layer.Entropy[0], 0.5 * hy + 1.0 + 0.5 * hNormal, 0.05);
  EXPECT_NEAR(r.Layer.ConditionalEntropy[0], 1.0 + 0.5 * hNormal, 0.05);
  EXPECT_NEAR(r.Layer.MutualInformation[0], 0.5 * hy, 0.05);
  EXPECT_EQ(r.Layer.Count[0], 4 * LabelledLayer::Samples);
}

TEST(ContinuousLayout, SelectedClassesAndNoClasses)
{
  const LabelledLayer data;
  ContinuousEntropyOptions options;

  // Only classes 1 and 3 (600 + 200 samples): T = Y gives H = H_b(0.75) = 0.811278 bits.
  LayerContinuousEntropy selected;
  ASSERT_TRUE(computeContinuousEntropy(
    data.Layout, SampleGrouping::fromLabels(data.Labels, { 1, 3 }), options, selected, 1));
  EXPECT_EQ(selected.Neurons.Count[0], 800u);
  EXPECT_NEAR(selected.Neurons.Entropy[0], binaryEntropyBits(0.75), 1e-12);
  EXPECT_NEAR(selected.Neurons.MutualInformation[0], binaryEntropyBits(0.75), 1e-12);

  // Without labels the T = Y neuron still has H(T) = H(Y).
  LayerContinuousEntropy unlabelled;
  ASSERT_TRUE(computeContinuousEntropy(
    data.Layout, SampleGrouping::all(LabelledLayer::Samples), options, unlabelled, 1));
  EXPECT_NEAR(unlabelled.Neurons.Entropy[0], labelEntropyBits(), 1e-12);

  // Nats: every entropy scales by ln 2.
  options.Unit = EntropyUnit::Nats;
  LayerContinuousEntropy nats;
  ASSERT_TRUE(computeContinuousEntropy(
    data.Layout, SampleGrouping::all(LabelledLayer::Samples), options, nats, 1));
  for (std::size_t p = 0; p < LabelledLayer::Points; ++p)
  {
    EXPECT_NEAR(nats.Neurons.Entropy[p], unlabelled.Neurons.Entropy[p] * Ln2, 1e-12);
  }
}

TEST(ContinuousLayout, ThreadCountDoesNotChangeAnyBit)
{
  // Each variable, or each class of the layer scope, is computed by exactly one thread
  // and the class sums run in class order, so 1 and 2 threads must give identical bits,
  // for every estimator.
  const LabelledLayer data;
  const SampleGrouping grouping = SampleGrouping::fromLabels(data.Labels);
  for (ContinuousEstimator estimator : AllEstimators)
  {
    ContinuousEntropyOptions options;
    options.Estimator = estimator;
    options.PerClass = true;
    LayerContinuousEntropy one;
    LayerContinuousEntropy two;
    ASSERT_TRUE(computeContinuousEntropy(data.Layout, grouping, options, one, 1));
    ASSERT_TRUE(computeContinuousEntropy(data.Layout, grouping, options, two, 2));
    SCOPED_TRACE(estimatorName(estimator));
    expectSameBits(one.Neurons, two.Neurons, "neurons");
    expectSameBits(one.Channels, two.Channels, "channels");
    expectSameBits(one.Layer, two.Layer, "layer");
  }
}

TEST(ContinuousLayout, PooledScopesKeepEveryStrideThSelectedValue)
{
  // MaximumObservations keeps selected values 0, stride, 2 stride, ... of a pooled scope,
  // counted over its points in order and, within a point, over the selected samples only.
  // The same values gathered by hand into a one-point layer must give the same bits.
  const LabelledLayer data;
  const SampleGrouping grouping = SampleGrouping::fromLabels(data.Labels, { 0, 2, 3 });
  const std::size_t selected = grouping.selectedCount();
  ASSERT_EQ(selected, 1400u);
  ContinuousEntropyOptions options;
  options.NeuronScope = false;
  options.PerClass = true;
  options.MaximumObservations = 1000;

  const auto byHand = [&](std::size_t first, std::size_t last, std::size_t stride)
  {
    LabelledLayer kept;
    kept.Values.clear();
    kept.Labels.clear();
    std::size_t k = 0;
    for (std::size_t p = first; p < last; ++p)
    {
      for (std::size_t n = 0; n < LabelledLayer::Samples; ++n)
      {
        if (grouping.Group[n] >= 0 && k++ % stride == 0)
        {
          kept.Values.push_back(data.Values[p * LabelledLayer::Samples + n]);
          kept.Labels.push_back(data.Labels[n]);
        }
      }
    }
    kept.Layout.Values = kept.Values.data();
    kept.Layout.NumberOfPoints = 1;
    kept.Layout.NumberOfSamples = kept.Values.size();
    kept.Layout.NumberOfChannels = 1;
    return kept;
  };
  for (ContinuousEstimator estimator : AllEstimators)
  {
    SCOPED_TRACE(estimatorName(estimator));
    options.Estimator = estimator;
    LayerContinuousEntropy strided;
    ASSERT_TRUE(computeContinuousEntropy(data.Layout, grouping, options, strided, 2));
    // Layer: 4 x 1400 selected values, stride 6; each channel: 2 x 1400, stride 3.
    const struct
    {
      const ScopeEntropy* Scope;
      std::size_t Index, First, Last, Stride;
    } cases[] = { { &strided.Layer, 0, 0, 4, 6 },
                  { &strided.Channels, 0, 0, 2, 3 },
                  { &strided.Channels, 1, 2, 4, 3 } };
    for (const auto& c : cases)
    {
      const LabelledLayer kept = byHand(c.First, c.Last, c.Stride);
      ContinuousEntropyOptions all = options;
      all.NeuronScope = true;
      all.ChannelScope = false;
      all.LayerScope = false;
      all.MaximumObservations = 0;
      LayerContinuousEntropy expected;
      ASSERT_TRUE(computeContinuousEntropy(
        kept.Layout, SampleGrouping::fromLabels(kept.Labels), all, expected, 1));
      EXPECT_EQ(c.Scope->Count[c.Index], kept.Values.size());
      EXPECT_TRUE(sameBits(std::vector<double>{ c.Scope->Entropy[c.Index] },
                           std::vector<double>{ expected.Neurons.Entropy[0] }));
      EXPECT_TRUE(sameBits(std::vector<double>{ c.Scope->MutualInformation[c.Index] },
                           std::vector<double>{ expected.Neurons.MutualInformation[0] }));
    }
  }
}

// The options' own checks: the filter clamps K and AtomThreshold, C++ callers do not.
TEST(ContinuousEntropyOptionsCheck, NeighbourRankAtomThresholdAndAtomValues)
{
  ContinuousEntropyOptions options;
  EXPECT_EQ(options.validate(), "");
  options.K = 0;
  EXPECT_EQ(options.validate(), "the k-NN neighbour rank k must be at least 1 (got 0)");
  options.K = 3;
  options.AtomThreshold = 1.5;
  EXPECT_EQ(options.validate(), "the atom threshold must be a fraction in (0, 1] (got 1.500000)");
  options.AtomThreshold = 0.0;
  EXPECT_EQ(options.validate(), "the atom threshold must be a fraction in (0, 1] (got 0.000000)");
  options.AtomThreshold = 0.001;
  options.Atoms = AtomMode::FixedValues;
  options.AtomValues = { 0.0, std::numeric_limits<double>::infinity() };
  EXPECT_EQ(options.validate(), "atom values must be finite numbers");
}

// The layout's guards, reached by callers that build a layout by hand.
TEST(ActivationLayoutCheck, EmptyArrayAndMissingData)
{
  ActivationLayout<float> layout;
  layout.NumberOfPoints = 4;
  EXPECT_EQ(layout.validate(), "the activation array is empty (4 points x 0 samples)");
  layout.NumberOfSamples = 2;
  EXPECT_EQ(layout.validate(), "the activation array has no data");
}
