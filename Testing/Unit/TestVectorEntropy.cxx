/**
 * @file TestVectorEntropy.cxx
 * @brief Independent checks of the vector estimators (multivariate Gaussian with
 * Ledoit-Wolf shrinkage, Kozachenko-Leonenko k-NN) and of the channel-vector and
 * layer-vector scopes against closed forms and hand computations (Documentation/entropy.md,
 * "Vector scopes"; Documentation/design.md section 3.5).
 *
 * Expected values come from the mathematics: the covariance algebra (Ledoit-Wolf as
 * scikit-learn writes it, Cholesky log-determinants) is re-implemented here in plain
 * double loops, independent of the core's Eigen code. Random data use std::mt19937_64
 * with fixed seeds and distributions written here. Statistical tolerances were set from
 * the estimators' bias and spread at the stated n (measured with an independent reference
 * implementation over 10 seeds); each test says which.
 */

#include "ActivationLayout.h"
#include "ContinuousEntropy.h"
#include "EntropyTypes.h"
#include "VectorEntropy.h"

#include "ClosedFormSampling.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace
{

using namespace cnnslicer;
using namespace cnnslicer_testing;

/// Entropy of one N(0, 1) coordinate in bits: 0.5 log2(2 pi e) = 2.047096.
const double StandardNormalBits = 0.5 * std::log2(2.0 * Pi * EulerE);

/// Dense row-major double matrix, just enough linear algebra for the references.
struct Matrix
{
  std::size_t Rows = 0;
  std::size_t Cols = 0;
  std::vector<double> Data;
  Matrix(std::size_t rows, std::size_t cols)
    : Rows(rows)
    , Cols(cols)
    , Data(rows * cols, 0.0)
  {
  }
  double& operator()(std::size_t i, std::size_t j) { return Data[i * Cols + j]; }
  double operator()(std::size_t i, std::size_t j) const { return Data[i * Cols + j]; }
};

/// log det of a symmetric positive definite matrix by Cholesky; NaN if not positive
/// definite.
double logDeterminant(Matrix a)
{
  const std::size_t d = a.Rows;
  double logDet = 0.0;
  for (std::size_t j = 0; j < d; ++j)
  {
    double diagonal = a(j, j);
    for (std::size_t k = 0; k < j; ++k)
    {
      diagonal -= a(j, k) * a(j, k);
    }
    if (!(diagonal > 0.0))
    {
      return std::numeric_limits<double>::quiet_NaN();
    }
    const double l = std::sqrt(diagonal);
    a(j, j) = l;
    logDet += 2.0 * std::log(l);
    for (std::size_t i = j + 1; i < d; ++i)
    {
      double v = a(i, j);
      for (std::size_t k = 0; k < j; ++k)
      {
        v -= a(i, k) * a(j, k);
      }
      a(i, j) = v / l;
    }
  }
  return logDet;
}

/// Rows of @p x centred by their column means, in double.
Matrix centred(const ObservationMatrix& x)
{
  Matrix c(x.Rows, x.Dimension);
  for (std::size_t j = 0; j < x.Dimension; ++j)
  {
    double mean = 0.0;
    for (std::size_t i = 0; i < x.Rows; ++i)
    {
      mean += x.row(i)[j];
    }
    mean /= static_cast<double>(x.Rows);
    for (std::size_t i = 0; i < x.Rows; ++i)
    {
      c(i, j) = x.row(i)[j] - mean;
    }
  }
  return c;
}

/// Maximum-likelihood covariance (divisor n).
Matrix covariance(const ObservationMatrix& x)
{
  const Matrix c = centred(x);
  const std::size_t d = x.Dimension;
  Matrix s(d, d);
  for (std::size_t j = 0; j < d; ++j)
  {
    for (std::size_t k = 0; k <= j; ++k)
    {
      double sum = 0.0;
      for (std::size_t i = 0; i < x.Rows; ++i)
      {
        sum += c(i, j) * c(i, k);
      }
      s(j, k) = s(k, j) = sum / static_cast<double>(x.Rows);
    }
  }
  return s;
}

/**
 * scikit-learn's ledoit_wolf_shrinkage (assume_centered=False), line by line:
 * X centred; emp_cov_trace = sum(X^2, 0)/n; mu = sum(emp_cov_trace)/d;
 * beta_ = sum(X2^T X2); delta_ = sum((X^T X)^2)/n^2;
 * beta = (beta_/n - delta_)/(d n); delta = (delta_ - 2 mu sum(emp_cov_trace) + d mu^2)/d;
 * beta = min(beta, delta); shrinkage = 0 if beta == 0 else beta/delta.
 */
double scikitLearnShrinkage(const ObservationMatrix& x)
{
  const Matrix c = centred(x);
  const std::size_t n = x.Rows;
  const std::size_t d = x.Dimension;
  const double nd = static_cast<double>(n);
  const double dd = static_cast<double>(d);
  std::vector<double> trace(d, 0.0);
  for (std::size_t j = 0; j < d; ++j)
  {
    for (std::size_t i = 0; i < n; ++i)
    {
      trace[j] += c(i, j) * c(i, j);
    }
    trace[j] /= nd;
  }
  double traceSum = 0.0;
  for (double t : trace)
  {
    traceSum += t;
  }
  const double mu = traceSum / dd;
  double betaSum = 0.0;
  double deltaSum = 0.0;
  for (std::size_t j = 0; j < d; ++j)
  {
    for (std::size_t k = 0; k < d; ++k)
    {
      double x2x2 = 0.0;
      double xx = 0.0;
      for (std::size_t i = 0; i < n; ++i)
      {
        x2x2 += c(i, j) * c(i, j) * c(i, k) * c(i, k);
        xx += c(i, j) * c(i, k);
      }
      betaSum += x2x2;
      deltaSum += xx * xx;
    }
  }
  deltaSum /= nd * nd;
  double beta = 1.0 / (dd * nd) * (betaSum / nd - deltaSum);
  double delta = deltaSum - 2.0 * mu * traceSum + dd * mu * mu;
  delta /= dd;
  beta = std::min(beta, delta);
  return beta == 0.0 ? 0.0 : beta / delta;
}

/// 0.5 (d ln(2 pi e) + ln det((1 - s) S + s mu I)) in nats, straight from the d x d matrix.
double shrunkGaussianEntropy(const ObservationMatrix& x, double shrinkage)
{
  Matrix s = covariance(x);
  const std::size_t d = x.Dimension;
  double mu = 0.0;
  for (std::size_t j = 0; j < d; ++j)
  {
    mu += s(j, j);
  }
  mu /= static_cast<double>(d);
  for (std::size_t j = 0; j < d; ++j)
  {
    for (std::size_t k = 0; k < d; ++k)
    {
      s(j, k) *= 1.0 - shrinkage;
    }
    s(j, j) += shrinkage * mu;
  }
  return 0.5 * (static_cast<double>(d) * std::log(2.0 * Pi * EulerE) + logDeterminant(s));
}

/// A fixed d x d mixing matrix with entries N(0, 1/d): Sigma = A A^T + I has eigenvalues
/// in about [1, 5].
Matrix mixingMatrix(std::size_t d, std::uint64_t seed)
{
  Generator rng(seed);
  Matrix a(d, d);
  for (double& v : a.Data)
  {
    v = rng.normal() / std::sqrt(static_cast<double>(d));
  }
  return a;
}

Matrix sigmaOf(const Matrix& a)
{
  const std::size_t d = a.Rows;
  Matrix sigma(d, d);
  for (std::size_t i = 0; i < d; ++i)
  {
    for (std::size_t j = 0; j < d; ++j)
    {
      double sum = i == j ? 1.0 : 0.0;
      for (std::size_t k = 0; k < d; ++k)
      {
        sum += a(i, k) * a(j, k);
      }
      sigma(i, j) = sum;
    }
  }
  return sigma;
}

/// n rows x = A z1 + z2 with z1, z2 independent N(0, I): Cov x = A A^T + I.
ObservationMatrix multivariateNormal(const Matrix& a, std::size_t n, std::uint64_t seed)
{
  const std::size_t d = a.Rows;
  Generator rng(seed);
  ObservationMatrix x;
  x.Rows = n;
  x.Dimension = d;
  x.Values.resize(n * d);
  std::vector<double> z(d);
  for (std::size_t i = 0; i < n; ++i)
  {
    for (double& v : z)
    {
      v = rng.normal();
    }
    for (std::size_t j = 0; j < d; ++j)
    {
      double v = rng.normal();
      for (std::size_t k = 0; k < d; ++k)
      {
        v += a(j, k) * z[k];
      }
      x.Values[i * d + j] = static_cast<float>(v);
    }
  }
  return x;
}

/// True h of N(0, A A^T + I) in bits: 0.5 log2((2 pi e)^d det Sigma).
double multivariateNormalBits(const Matrix& a)
{
  const double d = static_cast<double>(a.Rows);
  return toBits(0.5 * (d * std::log(2.0 * Pi * EulerE) + logDeterminant(sigmaOf(a))));
}

/// Rows drawn from a generator function, one coordinate at a time.
template<typename F>
ObservationMatrix observations(std::size_t n, std::size_t d, F&& f)
{
  ObservationMatrix x;
  x.Rows = n;
  x.Dimension = d;
  x.Values.resize(n * d);
  for (float& v : x.Values)
  {
    v = static_cast<float>(f());
  }
  return x;
}

/// The m^d lattice {0, s, ..., (m-1) s}^d, each point @p copies times, rows shuffled.
ObservationMatrix lattice(std::size_t d,
                          std::size_t m,
                          double s,
                          std::size_t copies,
                          std::uint64_t seed)
{
  std::size_t count = 1;
  for (std::size_t j = 0; j < d; ++j)
  {
    count *= m;
  }
  std::vector<std::vector<float>> rows;
  for (std::size_t p = 0; p < count; ++p)
  {
    std::vector<float> row(d);
    std::size_t rest = p;
    for (std::size_t j = 0; j < d; ++j)
    {
      row[j] = static_cast<float>(s * static_cast<double>(rest % m));
      rest /= m;
    }
    for (std::size_t c = 0; c < copies; ++c)
    {
      rows.push_back(row);
    }
  }
  Generator rng(seed);
  for (std::size_t i = rows.size(); i > 1; --i)
  {
    std::swap(rows[i - 1], rows[rng.index(i)]);
  }
  ObservationMatrix x;
  x.Rows = rows.size();
  x.Dimension = d;
  for (const auto& row : rows)
  {
    x.Values.insert(x.Values.end(), row.begin(), row.end());
  }
  return x;
}

/// ln V_d for the Euclidean unit ball, V_d = pi^(d/2) / Gamma(d/2 + 1), from closed forms.
double logUnitBall(std::size_t d)
{
  switch (d)
  {
    case 1:
      return std::log(2.0);
    case 2:
      return std::log(Pi);
    case 3:
      return std::log(4.0 * Pi / 3.0);
    case 8:
      return std::log(Pi * Pi * Pi * Pi / 24.0);
    default:
      return std::numeric_limits<double>::quiet_NaN();
  }
}

bool nanOrFinite(double v)
{
  return std::isnan(v) || std::isfinite(v);
}

bool sameBits(const std::vector<double>& a, const std::vector<double>& b)
{
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

} // namespace

// ---------------------------------------------------------------------------------------
// Ledoit-Wolf shrinkage.
// ---------------------------------------------------------------------------------------

TEST(VectorShrinkage, HandComputedFourPoints)
{
  // Rows (1,0), (-1,0), (0,2), (0,-2): mean 0, S = diag(0.5, 2), mu = 1.25.
  // beta_ = sum_i (sum_j x_ij^2)^2 = 1 + 1 + 16 + 16 = 34; delta_ = (2^2 + 8^2)/16 = 4.25;
  // beta = (34/4 - 4.25)/(2*4) = 0.53125; delta = (4.25 - 2*1.25*2.5 + 2*1.25^2)/2 = 0.5625;
  // shrinkage = 0.53125/0.5625 = 17/18.
  // Shrunk covariance (1/18) S + (17/18) 1.25 I = diag(21.75/18, 23.25/18), so
  // h = ln(2 pi e) + 0.5 ln(21.75 * 23.25 / 324); unshrunk det S = 1, h = ln(2 pi e).
  ObservationMatrix x;
  x.Rows = 4;
  x.Dimension = 2;
  x.Values = { 1, 0, -1, 0, 0, 2, 0, -2 };
  EXPECT_NEAR(ledoitWolfShrinkage(x), 17.0 / 18.0, 1e-12);
  EXPECT_NEAR(scikitLearnShrinkage(x), 17.0 / 18.0, 1e-12);
  const double ln2pie = std::log(2.0 * Pi * EulerE);
  EXPECT_NEAR(
    gaussianEntropyMultivariate(x, true), ln2pie + 0.5 * std::log(21.75 * 23.25 / 324.0), 1e-12);
  EXPECT_NEAR(gaussianEntropyMultivariate(x, false), ln2pie, 1e-12);
}

TEST(VectorShrinkage, IsotropicSampleCovarianceIsUnchanged)
{
  // Rows (+-3, 0), (0, +-3): S = 4.5 I is its own shrinkage target, so delta = 0 and the
  // intensity is 0/0-like (scikit-learn returns 0; rounding may give anything in [0, 1]).
  // Whatever it is, the shrunk covariance is 4.5 I: h = ln(2 pi e) + ln 4.5 either way.
  ObservationMatrix x;
  x.Rows = 4;
  x.Dimension = 2;
  x.Values = { 3, 0, -3, 0, 0, 3, 0, -3 };
  const double s = ledoitWolfShrinkage(x);
  EXPECT_GE(s, 0.0);
  EXPECT_LE(s, 1.0);
  const double expected = std::log(2.0 * Pi * EulerE) + std::log(4.5);
  EXPECT_NEAR(gaussianEntropyMultivariate(x, true), expected, 1e-12);
  EXPECT_NEAR(gaussianEntropyMultivariate(x, false), expected, 1e-12);
}

TEST(VectorShrinkage, MatchesScikitLearnFormula)
{
  // Small correlated data with unequal column scales, d < n, d ~ n and d > n. Inputs are
  // floats (exact in double) and both sides compute in double: 1e-10.
  const std::pair<std::size_t, std::size_t> shapes[] = {
    { 5, 3 }, { 50, 10 }, { 200, 4 }, { 10, 20 }, { 3, 30 }
  };
  std::uint64_t seed = 201;
  for (const auto& shape : shapes)
  {
    const std::size_t n = shape.first;
    const std::size_t d = shape.second;
    Generator rng(seed++);
    ObservationMatrix x;
    x.Rows = n;
    x.Dimension = d;
    x.Values.resize(n * d);
    for (std::size_t i = 0; i < n; ++i)
    {
      const double common = rng.normal();
      for (std::size_t j = 0; j < d; ++j)
      {
        const double scale = 0.5 + 0.3 * static_cast<double>(j);
        x.Values[i * d + j] = static_cast<float>(scale * (rng.normal() + 0.7 * common) + 2.0);
      }
    }
    const double expected = scikitLearnShrinkage(x);
    EXPECT_NEAR(ledoitWolfShrinkage(x), expected, 1e-10) << "n = " << n << ", d = " << d;
  }
}

TEST(VectorShrinkage, GramPathMatchesDirectDeterminant)
{
  // d > n uses the n x n Gram matrix; the result must equal
  // 0.5 (d ln(2 pi e) + ln det((1 - s) S + s mu I)) computed here from the d x d matrix by
  // Cholesky, with s from the scikit-learn formula. Also d <= n. Rounding only (the
  // near-zero Gram eigenvalue from centring sits next to s mu > 0): 1e-8 nats.
  const std::pair<std::size_t, std::size_t> shapes[] = {
    { 12, 40 }, { 30, 100 }, { 5, 64 }, { 100, 8 }, { 40, 40 }
  };
  std::uint64_t seed = 211;
  for (const auto& shape : shapes)
  {
    const std::size_t n = shape.first;
    const std::size_t d = shape.second;
    const Matrix a = mixingMatrix(d, seed);
    const ObservationMatrix x = multivariateNormal(a, n, seed + 1000);
    ++seed;
    const double s = scikitLearnShrinkage(x);
    ASSERT_GT(s, 0.0);
    const double expected = shrunkGaussianEntropy(x, s);
    ASSERT_TRUE(std::isfinite(expected));
    const double h = gaussianEntropyMultivariate(x, true);
    EXPECT_TRUE(std::isfinite(h)) << "n = " << n << ", d = " << d;
    EXPECT_NEAR(h, expected, 1e-8) << "n = " << n << ", d = " << d;
  }
}

TEST(VectorShrinkage, SingularOrTooSmallGivesNaN)
{
  // Without shrinkage a d > n covariance is singular: NaN, not -inf.
  const Matrix a = mixingMatrix(20, 221);
  const ObservationMatrix wide = multivariateNormal(a, 10, 222);
  EXPECT_TRUE(std::isnan(gaussianEntropyMultivariate(wide, false)));

  // n < 2: NaN with or without shrinkage.
  const ObservationMatrix one = multivariateNormal(a, 1, 223);
  EXPECT_TRUE(std::isnan(gaussianEntropyMultivariate(one, true)));
  EXPECT_TRUE(std::isnan(gaussianEntropyMultivariate(one, false)));
  ObservationMatrix none;
  none.Dimension = 20;
  EXPECT_TRUE(std::isnan(gaussianEntropyMultivariate(none, true)));

  // All rows equal: S = 0 and mu = 0, the shrunk covariance is 0 too: NaN.
  ObservationMatrix equal = observations(50, 3, [] { return 1.5; });
  EXPECT_TRUE(std::isnan(gaussianEntropyMultivariate(equal, true)));
  EXPECT_TRUE(std::isnan(gaussianEntropyMultivariate(equal, false)));
  EXPECT_TRUE(nanOrFinite(ledoitWolfShrinkage(equal)));
}

// ---------------------------------------------------------------------------------------
// Multivariate Gaussian estimator against the closed form.
// ---------------------------------------------------------------------------------------

TEST(VectorGaussian, MultivariateNormalClosedForm)
{
  // Sigma = A A^T + I (A fixed, entries N(0, 1/d)); h = 0.5 log2((2 pi e)^d det Sigma).
  // Spread of 0.5 ln det S is about 0.5 sqrt(2d/n) nats; Ledoit-Wolf shrinkage (intensity
  // ~ 0.3 d / n here) pulls the eigenvalues together and adds a positive bias.
  // d = 2, n = 20000: bias 0.000, sd 0.007 bits -> tolerance 0.03.
  // d = 8, n = 20000: bias +0.002, sd 0.012 bits -> tolerance 0.06.
  // d = 32, n = 50000: bias +0.010, sd 0.025 bits -> tolerance 0.12 (of ~70 bits).
  const struct
  {
    std::size_t D;
    std::size_t N;
    double Tolerance;
  } cases[] = { { 2, 20000, 0.03 }, { 8, 20000, 0.06 }, { 32, 50000, 0.12 } };
  std::uint64_t seed = 231;
  for (const auto& c : cases)
  {
    const Matrix a = mixingMatrix(c.D, seed);
    const ObservationMatrix x = multivariateNormal(a, c.N, seed + 1000);
    ++seed;
    const double expected = multivariateNormalBits(a);
    EXPECT_NEAR(toBits(gaussianEntropyMultivariate(x, true)), expected, c.Tolerance)
      << "d = " << c.D;
    // The maximum-likelihood covariance is biased by about -d(d+1)/(4n) nats
    // (-0.004 bits at d = 32): the same tolerances hold.
    EXPECT_NEAR(toBits(gaussianEntropyMultivariate(x, false)), expected, c.Tolerance)
      << "d = " << c.D;
  }
}

TEST(VectorGaussian, OneDimensionIsTheVarianceFormula)
{
  // d = 1: shrinkage towards mu I changes nothing, h = 0.5 ln(2 pi e s^2) with the
  // maximum-likelihood variance s^2 (n = 1000, rounding only: 1e-10).
  Generator rng(241);
  const ObservationMatrix x = observations(1000, 1, [&] { return 4.0 + 3.0 * rng.normal(); });
  const double s = ledoitWolfShrinkage(x);
  EXPECT_GE(s, 0.0);
  EXPECT_LE(s, 1.0);
  const Matrix cov = covariance(x);
  EXPECT_NEAR(
    gaussianEntropyMultivariate(x, true), 0.5 * std::log(2.0 * Pi * EulerE * cov(0, 0)), 1e-10);
}

// ---------------------------------------------------------------------------------------
// Kozachenko-Leonenko k-NN in d dimensions.
// ---------------------------------------------------------------------------------------

TEST(VectorKnn, LatticesGiveTheExactFormula)
{
  // On a lattice of spacing s every k-th neighbour distance is known exactly, so
  // h = psi(n) - psi(3) + ln V_d + (d/n) sum ln eps_i is checked to rounding (1e-9 nats).
  // A diameter instead of a radius would add d ln 2, psi(k) -> ln(k) would move it 0.18.
  // d = 2, 40 x 40, s = 0.5, k = 3: eps = s except at the 4 corners (s sqrt 2):
  //   (d/n) sum ln eps = 2 ln s + (2/n) * 4 * 0.5 ln 2.
  {
    const ObservationMatrix x = lattice(2, 40, 0.5, 1, 251);
    const double n = static_cast<double>(x.Rows);
    const double expected = digammaOfInteger(x.Rows) - digammaOfInteger(3) + logUnitBall(2) +
                            2.0 * std::log(0.5) + 4.0 * std::log(2.0) / n;
    EXPECT_NEAR(nearestNeighborEntropyMultivariate(x, 3, 1), expected, 1e-9) << "d = 2";
  }
  // d = 3, 12^3, s = 0.25: every point, corners included, has 3 axis neighbours at s.
  {
    const ObservationMatrix x = lattice(3, 12, 0.25, 1, 252);
    const double expected =
      digammaOfInteger(x.Rows) - digammaOfInteger(3) + logUnitBall(3) + 3.0 * std::log(0.25);
    EXPECT_NEAR(nearestNeighborEntropyMultivariate(x, 3, 1), expected, 1e-9) << "d = 3";
  }
  // d = 8, 3^8 = 6561 points, s = 0.5: every point has at least 8 axis neighbours at s.
  {
    const ObservationMatrix x = lattice(8, 3, 0.5, 1, 253);
    const double expected =
      digammaOfInteger(x.Rows) - digammaOfInteger(3) + logUnitBall(8) + 8.0 * std::log(0.5);
    EXPECT_NEAR(nearestNeighborEntropyMultivariate(x, 3, 2), expected, 1e-9) << "d = 8";
  }
  // d = 1 through the multivariate code: 1000 points, s = 0.25, k = 1 -> eps = s.
  {
    const ObservationMatrix x = lattice(1, 1000, 0.25, 1, 254);
    const double expected =
      digammaOfInteger(1000) - digammaOfInteger(1) + logUnitBall(1) + std::log(0.25);
    EXPECT_NEAR(nearestNeighborEntropyMultivariate(x, 1, 1), expected, 1e-9) << "d = 1";
  }
}

TEST(VectorKnn, DuplicatesAndCopies)
{
  // 40 x 40 lattice, s = 0.5, every point twice (n = 3200), k = 3: the copy is at 0 and
  // then at least 4 points are at s (corners: 2 neighbours x 2 copies), so eps = s for all:
  // h = psi(n) - psi(3) + ln pi + 2 ln s (1e-9 nats).
  const ObservationMatrix twice = lattice(2, 40, 0.5, 2, 261);
  EXPECT_NEAR(nearestNeighborEntropyMultivariate(twice, 3, 1),
              digammaOfInteger(twice.Rows) - digammaOfInteger(3) + logUnitBall(2) +
                2.0 * std::log(0.5),
              1e-9);

  // Every point 4 times: with k = 3 all eps are 0, no point is left: NaN, never -inf.
  const ObservationMatrix four = lattice(2, 10, 0.5, 4, 262);
  EXPECT_TRUE(std::isnan(nearestNeighborEntropyMultivariate(four, 3, 1)));

  // 3 distinct points (fewer than k + 1 = 4), each 10 times: NaN.
  ObservationMatrix three;
  three.Rows = 30;
  three.Dimension = 2;
  for (std::size_t i = 0; i < 30; ++i)
  {
    three.Values.push_back(static_cast<float>(i % 3));
    three.Values.push_back(static_cast<float>((i % 3) * 2));
  }
  EXPECT_TRUE(std::isnan(nearestNeighborEntropyMultivariate(three, 3, 1)));

  // Empty and single-row inputs: NaN.
  ObservationMatrix none;
  none.Dimension = 3;
  EXPECT_TRUE(std::isnan(nearestNeighborEntropyMultivariate(none, 3, 1)));
  const ObservationMatrix one = observations(1, 3, [] { return 0.25; });
  EXPECT_TRUE(std::isnan(nearestNeighborEntropyMultivariate(one, 3, 1)));
}

TEST(VectorKnn, OneDimensionMatchesTheOneDimensionalEstimator)
{
  // The k-d tree path in d = 1 and the sorting path must agree on the same data
  // (n = 5000 exponential values, k = 3 and k = 1): 1e-9 nats.
  Generator rng(271);
  const ObservationMatrix x = observations(5000, 1, [&] { return -std::log(rng.uniform()); });
  for (int k : { 1, 3 })
  {
    EXPECT_NEAR(nearestNeighborEntropyMultivariate(x, k, 1),
                nearestNeighborEntropy(x.Values.data(), x.Rows, k),
                1e-9)
      << "k = " << k;
  }
}

TEST(VectorKnn, OneDimensionAgreesWithCopies)
{
  // Same agreement when some points have k or more exact copies (eps = 0, which the
  // multivariate estimator leaves out of the average) and others one copy: 300 normal
  // values, 0.25 five times, 1.75 twice; k = 3. Whatever the convention, the two paths
  // implement one estimator: 1e-9 nats.
  Generator rng(272);
  ObservationMatrix x = observations(300, 1, [&] { return rng.normal(); });
  for (float v : { 0.25f, 0.25f, 0.25f, 0.25f, 0.25f, 1.75f, 1.75f })
  {
    x.Values.push_back(v);
  }
  x.Rows = x.Values.size();
  const double multi = nearestNeighborEntropyMultivariate(x, 3, 1);
  EXPECT_TRUE(std::isfinite(multi));
  EXPECT_NEAR(multi, nearestNeighborEntropy(x.Values.data(), x.Rows, 3), 1e-9);
}

TEST(VectorKnn, UniformUnitCube)
{
  // Uniform on [0,1]^d: h = 0 bits. n = 20000, k = 3. Balls that cross the cube's faces
  // hold fewer points than the volume says, which biases the estimate up, the more so the
  // larger d (eps ~ 0.3 in d = 8, so most points are near a face). Measured:
  // d = 1: +0.001 bits (sd 0.007) -> tolerance 0.04;
  // d = 2: +0.011 (sd 0.007) -> 0.05;  d = 3: +0.070 (sd 0.010) -> 0.15;
  // d = 8: +1.13 (sd 0.007) -> estimate must lie in [0.5, 1.6].
  // A diameter instead of a radius would add exactly d bits.
  const struct
  {
    std::size_t D;
    double Low;
    double High;
  } cases[] = { { 1, -0.04, 0.04 }, { 2, -0.05, 0.05 }, { 3, -0.15, 0.15 }, { 8, 0.5, 1.6 } };
  std::uint64_t seed = 281;
  for (const auto& c : cases)
  {
    Generator rng(seed++);
    const ObservationMatrix x = observations(20000, c.D, [&] { return rng.uniform(); });
    const double h = toBits(nearestNeighborEntropyMultivariate(x, 3, 2));
    EXPECT_GE(h, c.Low) << "d = " << c.D;
    EXPECT_LE(h, c.High) << "d = " << c.D;
  }
}

TEST(VectorKnn, MultivariateNormalClosedForm)
{
  // N(0, A A^T + I), d = 8, n = 20000, k = 3: measured bias -0.07 bits (the tails are
  // under-sampled), sd 0.015 bits. Tolerance 0.2 bits of a ~20-bit value.
  const Matrix a = mixingMatrix(8, 291);
  const ObservationMatrix x = multivariateNormal(a, 20000, 292);
  EXPECT_NEAR(toBits(nearestNeighborEntropyMultivariate(x, 3, 2)), multivariateNormalBits(a), 0.2);
}

TEST(VectorKnn, ThreadCountDoesNotChangeTheResult)
{
  Generator rng(301);
  const ObservationMatrix x = observations(5000, 4, [&] { return rng.normal(); });
  const double one = nearestNeighborEntropyMultivariate(x, 3, 1);
  const double two = nearestNeighborEntropyMultivariate(x, 3, 2);
  EXPECT_EQ(std::memcmp(&one, &two, sizeof(double)), 0) << one << " vs " << two;
}

TEST(VectorKnn, PrincipalComponentsOfAPlaneKeepDistances)
{
  // Points of a 2-D normal cloud placed on a plane in R^5 (orthonormal basis u, v, plus an
  // offset). Projecting on the top 2 principal components is a rigid motion of the plane,
  // so k-NN distances, and the k-NN entropy, equal those of the 2-D coordinates (float
  // rounding of the coordinates only: 1e-4 nats). n = 3000.
  Generator rng(311);
  const double u[5] = { 0.6, 0.8, 0.0, 0.0, 0.0 };
  const double v[5] = { 0.0, 0.0, 0.6, 0.0, -0.8 };
  const double offset[5] = { 1.0, -2.0, 3.0, 0.5, 7.0 };
  const std::size_t n = 3000;
  ObservationMatrix plane;
  plane.Rows = n;
  plane.Dimension = 2;
  ObservationMatrix embedded;
  embedded.Rows = n;
  embedded.Dimension = 5;
  for (std::size_t i = 0; i < n; ++i)
  {
    const double p = 2.0 * rng.normal();
    const double q = 0.5 * rng.normal();
    plane.Values.push_back(static_cast<float>(p));
    plane.Values.push_back(static_cast<float>(q));
    for (std::size_t j = 0; j < 5; ++j)
    {
      embedded.Values.push_back(static_cast<float>(offset[j] + p * u[j] + q * v[j]));
    }
  }
  const ObservationMatrix projected = projectOnPrincipalComponents(embedded, 2);
  ASSERT_EQ(projected.Rows, n);
  ASSERT_EQ(projected.Dimension, 2u);
  EXPECT_NEAR(nearestNeighborEntropyMultivariate(projected, 3, 1),
              nearestNeighborEntropyMultivariate(plane, 3, 1),
              1e-4);
}

// ---------------------------------------------------------------------------------------
// Mixed vector entropy and the channel / layer scopes.
// ---------------------------------------------------------------------------------------

TEST(VectorScopes, MixedEntropyWithAnAllZeroAtom)
{
  // n = 4000 rows in d = 3: 2000 all-zero rows (one vector atom, p = 0.5) and 2000 rows
  // N(0, I). h_c = 3 * 2.047 = 6.141 bits, H_mix = H_b(0.5) + 0.5 h_c = 1 + 3.071 bits.
  // k-NN on 2000 points in d = 3: bias -0.04, sd 0.045 bits -> tolerance 0.2 on h_c, 0.1
  // on H_mix. The Gaussian estimator is exact for normal data: sd 0.5 sqrt(6/2000) nats =
  // 0.04 bits -> tolerance 0.16 on h_c.
  Generator rng(321);
  ObservationMatrix x;
  x.Rows = 4000;
  x.Dimension = 3;
  x.Values.assign(4000 * 3, 0.0f);
  for (std::size_t i = 0; i < 4000; i += 2)
  {
    for (std::size_t j = 0; j < 3; ++j)
    {
      x.Values[i * 3 + j] = static_cast<float>(rng.normal());
    }
  }
  const double hc = 3.0 * StandardNormalBits;
  for (ContinuousEstimator estimator :
       { ContinuousEstimator::NearestNeighbor, ContinuousEstimator::Gaussian })
  {
    VectorEntropyOptions options;
    options.Estimator = estimator;
    options.Threads = 1;
    const double tolerance = estimator == ContinuousEstimator::Gaussian ? 0.16 : 0.2;
    const MixedEntropy r = vectorMixedEntropy(options, x);
    EXPECT_EQ(r.Count, 4000u) << estimatorName(estimator);
    EXPECT_EQ(r.Atoms, 1u) << estimatorName(estimator);
    EXPECT_NEAR(r.AtomProbability, 0.5, 1e-12) << estimatorName(estimator);
    EXPECT_NEAR(r.ContinuousEntropy, hc, tolerance) << estimatorName(estimator);
    EXPECT_NEAR(r.Entropy, 1.0 + 0.5 * hc, 0.5 * tolerance) << estimatorName(estimator);
    EXPECT_NEAR(r.Entropy, 1.0 + 0.5 * r.ContinuousEntropy, 1e-12) << estimatorName(estimator);
  }

  // FixedValues {0} finds the same atom.
  VectorEntropyOptions fixed;
  fixed.Atoms = AtomMode::FixedValues;
  fixed.AtomValues = { 0.0 };
  fixed.Threads = 1;
  const MixedEntropy f = vectorMixedEntropy(fixed, x);
  EXPECT_EQ(f.Atoms, 1u);
  EXPECT_NEAR(f.AtomProbability, 0.5, 1e-12);
}

namespace
{
/// Channel maps of 2 x 2 positions (d = 4) for 4000 samples: channel 0 i.i.d. N(0, 1),
/// channel 1 all zero (a dead channel), channel 2 i.i.d. N(0, 2^2).
struct ChannelLayer
{
  static constexpr std::size_t Samples = 4000;
  static constexpr std::size_t Positions = 4;
  static constexpr std::size_t Channels = 3;
  std::vector<float> Values;
  ActivationLayout<float> Layout;

  ChannelLayer()
  {
    Generator rng(331);
    Values.assign(Channels * Positions * Samples, 0.0f);
    for (std::size_t n = 0; n < Samples; ++n)
    {
      for (std::size_t p = 0; p < Positions; ++p)
      {
        Values[(0 * Positions + p) * Samples + n] = static_cast<float>(rng.normal());
        Values[(2 * Positions + p) * Samples + n] = static_cast<float>(2.0 * rng.normal());
      }
    }
    Layout.Values = Values.data();
    Layout.NumberOfPoints = Channels * Positions;
    Layout.NumberOfSamples = Samples;
    Layout.NumberOfChannels = Channels;
  }
};
} // namespace

TEST(VectorScopes, ChannelVectorOfIndependentNormals)
{
  // Each sample's 2 x 2 map is one 4-vector of i.i.d. normals: h = 4 * 0.5 log2(2 pi e
  // sigma^2) = 8.188 bits for sigma = 1 and 12.188 bits for sigma = 2. n = 4000.
  // Gaussian: sd 0.5 sqrt(8/4000) nats = 0.032 bits -> tolerance 0.13.
  // k-NN (d = 4): bias -0.07, sd 0.028 bits -> tolerance 0.2.
  // The dead channel is one vector atom: p_atoms = 1 and Entropy = 0 exactly.
  const ChannelLayer data;
  ASSERT_EQ(data.Layout.validate(), "");
  const SampleGrouping all = SampleGrouping::all(ChannelLayer::Samples);
  const double expected0 = 4.0 * StandardNormalBits;
  const double expected2 = expected0 + 4.0;
  const std::pair<ContinuousEstimator, double> cases[] = {
    { ContinuousEstimator::Gaussian, 0.13 }, { ContinuousEstimator::NearestNeighbor, 0.2 }
  };
  for (const auto& c : cases)
  {
    VectorEntropyOptions options;
    options.Estimator = c.first;
    options.Threads = 2;
    ScopeEntropy r;
    ASSERT_TRUE(computeVectorEntropy(data.Layout, all, VectorScope::Channel, options, r));
    SCOPED_TRACE(estimatorName(c.first));
    ASSERT_EQ(r.size(), ChannelLayer::Channels);
    EXPECT_NEAR(r.Entropy[0], expected0, c.second);
    EXPECT_NEAR(r.Entropy[2], expected2, c.second);
    EXPECT_EQ(r.AtomProbability[0], 0.0);
    EXPECT_EQ(r.AtomProbability[2], 0.0);
    EXPECT_EQ(r.Entropy[1], 0.0);
    EXPECT_EQ(r.AtomProbability[1], 1.0);
    EXPECT_EQ(r.Count[0], ChannelLayer::Samples);
    EXPECT_EQ(r.undefinedCount(), 0u);
  }
}

TEST(VectorScopes, LayerVectorGaussian)
{
  // The two live channels of ChannelLayer's construction as one layer (d = 8):
  // h = 8 * 2.047 + 4 = 20.377 bits. n = 4000: sd 0.5 sqrt(16/4000) nats = 0.046 bits;
  // shrinkage bias < 0.01 -> tolerance 0.2.
  const ChannelLayer data;
  ActivationLayout<float> live;
  std::vector<float> values(data.Values.begin(), data.Values.begin() + 4 * ChannelLayer::Samples);
  values.insert(values.end(), data.Values.begin() + 8 * ChannelLayer::Samples, data.Values.end());
  live.Values = values.data();
  live.NumberOfPoints = 8;
  live.NumberOfSamples = ChannelLayer::Samples;
  live.NumberOfChannels = 2;
  VectorEntropyOptions options;
  options.Estimator = ContinuousEstimator::Gaussian;
  options.Threads = 1;
  ScopeEntropy r;
  ASSERT_TRUE(computeVectorEntropy(
    live, SampleGrouping::all(ChannelLayer::Samples), VectorScope::Layer, options, r));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_NEAR(r.Entropy[0], 8.0 * StandardNormalBits + 4.0, 0.2);
}

TEST(VectorScopes, LayerVectorNearestNeighborProjection)
{
  // Layer-vector k-NN projects on the top principal components. n = 4000.
  // (1) The live layer has d = 8 <= 16 components: the projection is a rigid motion, so the
  //     result equals k-NN on the raw 8-D rows (float rounding of the rotated coordinates:
  //     1e-3 bits).
  // (2) A layer whose channel 1 is an exact copy of channel 0 lies in a 4-D subspace; its
  //     rows (a, a) have |x - y| = sqrt(2) |a - b|, so with 4 components the estimate is the
  //     4-D k-NN of channel 0 plus 4 log2 sqrt(2) = 2 bits (1e-3 bits).
  const ChannelLayer data;
  const std::size_t samples = ChannelLayer::Samples;
  std::vector<float> live(data.Values.begin(), data.Values.begin() + 4 * samples);
  live.insert(live.end(), data.Values.begin() + 8 * samples, data.Values.end());
  ActivationLayout<float> layout;
  layout.Values = live.data();
  layout.NumberOfPoints = 8;
  layout.NumberOfSamples = samples;
  layout.NumberOfChannels = 2;
  ObservationMatrix rows;
  rows.Rows = samples;
  rows.Dimension = 8;
  for (std::size_t n = 0; n < samples; ++n)
  {
    for (std::size_t p = 0; p < 8; ++p)
    {
      rows.Values.push_back(live[p * samples + n]);
    }
  }
  VectorEntropyOptions options;
  options.Estimator = ContinuousEstimator::NearestNeighbor;
  options.PrincipalComponents = 16;
  options.Threads = 2;
  ScopeEntropy full;
  ASSERT_TRUE(
    computeVectorEntropy(layout, SampleGrouping::all(samples), VectorScope::Layer, options, full));
  ASSERT_EQ(full.size(), 1u);
  EXPECT_NEAR(full.Entropy[0], toBits(nearestNeighborEntropyMultivariate(rows, 3, 1)), 1e-3);

  std::vector<float> copied(data.Values.begin(), data.Values.begin() + 4 * samples);
  copied.insert(copied.end(), data.Values.begin(), data.Values.begin() + 4 * samples);
  layout.Values = copied.data();
  options.PrincipalComponents = 4;
  ScopeEntropy projected;
  ASSERT_TRUE(computeVectorEntropy(
    layout, SampleGrouping::all(samples), VectorScope::Layer, options, projected));
  ScopeEntropy channels;
  ASSERT_TRUE(computeVectorEntropy(
    layout, SampleGrouping::all(samples), VectorScope::Channel, options, channels));
  ASSERT_EQ(projected.size(), 1u);
  ASSERT_EQ(channels.size(), 2u);
  EXPECT_NEAR(projected.Entropy[0], channels.Entropy[0] + 2.0, 1e-3);
}

TEST(VectorScopes, IndependentLabelsGiveNoInformation)
{
  // Channel 0 of ChannelLayer (i.i.d. N(0, I) 4-vectors) with 4 balanced labels drawn
  // independently: I(T;Y) = 0. Gaussian estimator: H(T) at n = 4000 minus the average of
  // class estimates at n_k = 1000; sd of each 0.5 ln det S is 0.5 sqrt(2d/n_k) nats, so
  // the difference has sd ~ 0.03 bits: tolerance 0.15 bits.
  const ChannelLayer data;
  std::vector<std::int64_t> labels(ChannelLayer::Samples);
  for (std::size_t n = 0; n < labels.size(); ++n)
  {
    labels[n] = static_cast<std::int64_t>(n % 4);
  }
  Generator rng(361);
  for (std::size_t i = labels.size(); i > 1; --i)
  {
    std::swap(labels[i - 1], labels[rng.index(i)]);
  }
  VectorEntropyOptions options;
  options.Estimator = ContinuousEstimator::Gaussian;
  options.Threads = 1;
  ScopeEntropy r;
  ASSERT_TRUE(computeVectorEntropy(
    data.Layout, SampleGrouping::fromLabels(labels), VectorScope::Channel, options, r));
  ASSERT_EQ(r.MutualInformation.size(), ChannelLayer::Channels);
  EXPECT_NEAR(r.MutualInformation[0], 0.0, 0.15);
  EXPECT_NEAR(r.MutualInformation[2], 0.0, 0.15);
  EXPECT_NEAR(r.Entropy[0] - r.ConditionalEntropy[0], r.MutualInformation[0], 1e-12);
  // The dead channel carries nothing: H = H(T|Y) = I = 0.
  EXPECT_EQ(r.Entropy[1], 0.0);
  EXPECT_NEAR(r.ConditionalEntropy[1], 0.0, 1e-12);
  EXPECT_NEAR(r.MutualInformation[1], 0.0, 1e-12);
}

TEST(VectorScopes, ChannelVectorEqualToLabel)
{
  // 2000 samples, labels 0..3 in counts 800/600/400/200; every position of the single
  // channel equals the label, so each map is one of 4 vector atoms:
  // H(T) = H(Y) = 1.846439 bits, H(T|Y) = 0, I(T;Y) = H(Y) (1e-12).
  const std::size_t samples = 2000;
  std::vector<std::int64_t> labels;
  for (std::int64_t k = 0; k < 4; ++k)
  {
    labels.insert(labels.end(), static_cast<std::size_t>(800 - 200 * k), k);
  }
  Generator rng(341);
  for (std::size_t i = labels.size(); i > 1; --i)
  {
    std::swap(labels[i - 1], labels[rng.index(i)]);
  }
  std::vector<float> values(4 * samples);
  for (std::size_t p = 0; p < 4; ++p)
  {
    for (std::size_t n = 0; n < samples; ++n)
    {
      values[p * samples + n] = static_cast<float>(labels[n]);
    }
  }
  ActivationLayout<float> layout;
  layout.Values = values.data();
  layout.NumberOfPoints = 4;
  layout.NumberOfSamples = samples;
  layout.NumberOfChannels = 1;
  const double hy =
    -(0.4 * std::log2(0.4) + 0.3 * std::log2(0.3) + 0.2 * std::log2(0.2) + 0.1 * std::log2(0.1));
  for (ContinuousEstimator estimator :
       { ContinuousEstimator::NearestNeighbor, ContinuousEstimator::Gaussian })
  {
    VectorEntropyOptions options;
    options.Estimator = estimator;
    options.Threads = 1;
    ScopeEntropy r;
    ASSERT_TRUE(computeVectorEntropy(
      layout, SampleGrouping::fromLabels(labels), VectorScope::Channel, options, r));
    SCOPED_TRACE(estimatorName(estimator));
    ASSERT_EQ(r.size(), 1u);
    ASSERT_EQ(r.ConditionalEntropy.size(), 1u);
    ASSERT_EQ(r.MutualInformation.size(), 1u);
    EXPECT_NEAR(r.Entropy[0], hy, 1e-12);
    EXPECT_NEAR(r.ConditionalEntropy[0], 0.0, 1e-12);
    EXPECT_NEAR(r.MutualInformation[0], hy, 1e-12);
    EXPECT_EQ(r.AtomProbability[0], 1.0);
  }
}

TEST(VectorScopes, NonFiniteAndTinyInputsNeverGiveMinusInfinity)
{
  // One channel of 2 x 2 maps, 300 normal samples, one NaN and one +Inf value in two of
  // them; and layouts with 1 and 0 selected samples. Results are NaN or finite.
  const std::size_t samples = 300;
  Generator rng(351);
  std::vector<float> values(4 * samples);
  for (float& v : values)
  {
    v = static_cast<float>(rng.normal());
  }
  values[5] = std::numeric_limits<float>::quiet_NaN();
  values[2 * samples + 9] = std::numeric_limits<float>::infinity();
  ActivationLayout<float> layout;
  layout.Values = values.data();
  layout.NumberOfPoints = 4;
  layout.NumberOfSamples = samples;
  layout.NumberOfChannels = 1;

  std::vector<std::int64_t> oneSelected(samples, 1);
  oneSelected[17] = 0;
  for (ContinuousEstimator estimator :
       { ContinuousEstimator::NearestNeighbor, ContinuousEstimator::Gaussian })
  {
    for (VectorScope scope : { VectorScope::Channel, VectorScope::Layer })
    {
      VectorEntropyOptions options;
      options.Estimator = estimator;
      options.Threads = 1;
      SCOPED_TRACE(estimatorName(estimator));
      ScopeEntropy r;
      ASSERT_TRUE(computeVectorEntropy(layout, SampleGrouping::all(samples), scope, options, r));
      ASSERT_EQ(r.size(), 1u);
      EXPECT_TRUE(std::isfinite(r.Entropy[0])) << r.Entropy[0];

      ScopeEntropy single;
      ASSERT_TRUE(computeVectorEntropy(
        layout, SampleGrouping::fromLabels(oneSelected, { 0 }), scope, options, single));
      ASSERT_EQ(single.size(), 1u);
      EXPECT_TRUE(nanOrFinite(single.Entropy[0])) << single.Entropy[0];

      // No sample selected: refused with a message, as by every other estimator.
      ScopeEntropy none;
      EXPECT_THROW(computeVectorEntropy(
                     layout, SampleGrouping::fromLabels(oneSelected, { 5 }), scope, options, none),
                   std::invalid_argument);
    }
  }

  // 1 and 2 threads give identical bits (each point's search is independent).
  VectorEntropyOptions options;
  options.Threads = 1;
  ScopeEntropy a;
  ASSERT_TRUE(
    computeVectorEntropy(layout, SampleGrouping::all(samples), VectorScope::Channel, options, a));
  options.Threads = 2;
  ScopeEntropy b;
  ASSERT_TRUE(
    computeVectorEntropy(layout, SampleGrouping::all(samples), VectorScope::Channel, options, b));
  EXPECT_TRUE(sameBits(a.Entropy, b.Entropy));
}

// The options' own checks: the filter offers only the gaussian and knn estimators and
// clamps K and AtomThreshold, C++ callers do not.
TEST(VectorEntropyOptionsCheck, EstimatorNeighbourRankAndAtomThreshold)
{
  VectorEntropyOptions options;
  EXPECT_EQ(options.validate(), "");
  options.Estimator = ContinuousEstimator::Spacing;
  EXPECT_EQ(options.validate(),
            "vector scopes support the gaussian and knn estimators, not spacing");
  options.Estimator = ContinuousEstimator::Gaussian;
  options.K = -2;
  EXPECT_EQ(options.validate(), "the k-NN neighbour rank k must be at least 1 (got -2)");
  options.K = 3;
  options.AtomThreshold = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(options.validate(), "the atom threshold must be a fraction in (0, 1] (got nan)");
}
