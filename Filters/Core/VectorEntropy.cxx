#include "VectorEntropy.h"

#include "ParallelRunner.h"
#include "SpecialFunctions.h"

#include <Eigen/Dense>
#include <nanoflann.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace cnnslicer
{

namespace
{

using MatrixXdRow = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// The observations in double, each column centred on its mean.
MatrixXdRow centred(const ObservationMatrix& x)
{
  MatrixXdRow m =
    Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
      x.Values.data(), static_cast<Eigen::Index>(x.Rows), static_cast<Eigen::Index>(x.Dimension))
      .cast<double>();
  m.rowwise() -= m.colwise().mean();
  return m;
}

/**
 * Eigenvalues (ascending) of the maximum-likelihood covariance S = X^T X / n of centred
 * X, computed from the smaller of X^T X (d x d) and X X^T (n x n); when d > n the
 * remaining d - n eigenvalues are zero and are appended.
 */
Eigen::VectorXd covarianceEigenvalues(const MatrixXdRow& xc)
{
  const auto n = static_cast<double>(xc.rows());
  const Eigen::Index d = xc.cols();
  Eigen::MatrixXd gram = xc.cols() <= xc.rows() ? Eigen::MatrixXd(xc.transpose() * xc) / n
                                                : Eigen::MatrixXd(xc * xc.transpose()) / n;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(gram, Eigen::EigenvaluesOnly);
  Eigen::VectorXd values = Eigen::VectorXd::Zero(d);
  values.tail(solver.eigenvalues().size()) = solver.eigenvalues().cwiseMax(0.0);
  return values;
}

/// Ledoit-Wolf intensity from centred data and the eigenvalues of S.
double shrinkageFromCentred(const MatrixXdRow& xc, const Eigen::VectorXd& eigenvalues)
{
  // scikit-learn's ledoit_wolf_shrinkage: beta/delta with
  // delta = ||S - mu I||_F^2 / d, beta = min(delta, (sum_n ||x_n||^4 / n - ||S||_F^2) / (d n)).
  const auto n = static_cast<double>(xc.rows());
  const auto d = static_cast<double>(xc.cols());
  const double trace = eigenvalues.sum();
  const double mu = trace / d;
  const double frobeniusSquared = eigenvalues.squaredNorm();
  const double fourthMoments = xc.rowwise().squaredNorm().squaredNorm();
  double beta = (fourthMoments / n - frobeniusSquared) / (d * n);
  const double delta = (frobeniusSquared - 2.0 * mu * trace + d * mu * mu) / d;
  beta = std::min(beta, delta);
  return beta <= 0.0 || delta <= 0.0 ? 0.0 : beta / delta;
}

/// nanoflann adaptor over an ObservationMatrix.
struct ObservationCloud
{
  const ObservationMatrix& X;
  std::size_t kdtree_get_point_count() const { return X.Rows; }
  float kdtree_get_pt(std::size_t i, std::size_t dim) const { return X.row(i)[dim]; }
  template<class BoundingBox>
  bool kdtree_get_bbox(BoundingBox&) const
  {
    return false;
  }
};

/// True when @p x has at least @p wanted distinct rows (stops as soon as it knows).
bool hasDistinctRows(const ObservationMatrix& x, std::size_t wanted)
{
  std::vector<std::size_t> distinct;
  for (std::size_t i = 0; i < x.Rows && distinct.size() < wanted; ++i)
  {
    const bool seen = std::any_of(
      distinct.begin(),
      distinct.end(),
      [&](std::size_t j) { return std::equal(x.row(i), x.row(i) + x.Dimension, x.row(j)); });
    if (!seen)
    {
      distinct.push_back(i);
    }
  }
  return distinct.size() >= wanted;
}

bool rowLess(const ObservationMatrix& x, std::size_t a, std::size_t b)
{
  return std::lexicographical_compare(
    x.row(a), x.row(a) + x.Dimension, x.row(b), x.row(b) + x.Dimension);
}

bool rowEqual(const ObservationMatrix& x, std::size_t a, std::size_t b)
{
  return std::equal(x.row(a), x.row(a) + x.Dimension, x.row(b));
}

/**
 * Atom index of every row (-1 for the continuous part): repeated vectors above the
 * threshold, or vectors whose entries all equal one fixed value.
 */
std::vector<int> findRowAtoms(const VectorEntropyOptions& options, const ObservationMatrix& x)
{
  std::vector<int> atomOf(x.Rows, -1);
  if (options.Atoms == AtomMode::FixedValues)
  {
    for (std::size_t i = 0; i < x.Rows; ++i)
    {
      for (std::size_t a = 0; a < options.AtomValues.size(); ++a)
      {
        const auto value = static_cast<float>(options.AtomValues[a]);
        if (std::all_of(x.row(i), x.row(i) + x.Dimension, [&](float v) { return v == value; }))
        {
          atomOf[i] = static_cast<int>(a);
          break;
        }
      }
    }
  }
  else if (options.Atoms == AtomMode::Threshold && x.Rows > 0)
  {
    std::vector<std::size_t> order(x.Rows);
    std::iota(order.begin(), order.end(), 0);
    std::sort(
      order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return rowLess(x, a, b); });
    const auto minimumRun =
      std::max<std::size_t>(2,
                            static_cast<std::size_t>(std::ceil(
                              options.AtomThreshold * static_cast<double>(x.Rows) - 1e-9)));
    int atoms = 0;
    std::size_t i = 0;
    while (i < order.size())
    {
      std::size_t j = i + 1;
      while (j < order.size() && rowEqual(x, order[i], order[j]))
      {
        ++j;
      }
      if (j - i >= minimumRun)
      {
        for (std::size_t r = i; r < j; ++r)
        {
          atomOf[order[r]] = atoms;
        }
        ++atoms;
      }
      i = j;
    }
  }
  return atomOf;
}

/// The rows of @p x listed in @p rows, as a new matrix.
ObservationMatrix selectRows(const ObservationMatrix& x, const std::vector<std::size_t>& rows)
{
  ObservationMatrix out;
  out.Rows = rows.size();
  out.Dimension = x.Dimension;
  out.Values.resize(out.Rows * out.Dimension);
  for (std::size_t r = 0; r < rows.size(); ++r)
  {
    std::copy(x.row(rows[r]), x.row(rows[r]) + x.Dimension, out.Values.data() + r * x.Dimension);
  }
  return out;
}

double vectorDifferentialEntropy(const VectorEntropyOptions& options, const ObservationMatrix& x)
{
  return options.Estimator == ContinuousEstimator::Gaussian
           ? gaussianEntropyMultivariate(x, true)
           : nearestNeighborEntropyMultivariate(x, options.K, options.Threads);
}

/// Mixed entropy of the rows @p rows of @p x, given every row's atom index.
MixedEntropy mixedFromRows(const VectorEntropyOptions& options,
                           const ObservationMatrix& x,
                           const std::vector<std::size_t>& rows,
                           const std::vector<int>& atomOf)
{
  MixedEntropy result;
  result.Count = rows.size();
  if (rows.empty())
  {
    return result;
  }
  std::vector<std::size_t> continuousRows;
  std::vector<std::size_t> atomCounts;
  for (const std::size_t r : rows)
  {
    if (atomOf[r] < 0)
    {
      continuousRows.push_back(r);
      continue;
    }
    const auto a = static_cast<std::size_t>(atomOf[r]);
    if (atomCounts.size() <= a)
    {
      atomCounts.resize(a + 1, 0);
    }
    ++atomCounts[a];
  }
  const double total = static_cast<double>(rows.size());
  double atomTerm = 0.0;
  for (const std::size_t c : atomCounts)
  {
    if (c > 0)
    {
      const double p = static_cast<double>(c) / total;
      atomTerm -= p * std::log(p);
      ++result.Atoms;
    }
  }
  const double pc = static_cast<double>(continuousRows.size()) / total;
  result.AtomProbability = 1.0 - pc;
  double hc = NotANumber;
  if (!continuousRows.empty())
  {
    hc = vectorDifferentialEntropy(options, selectRows(x, continuousRows));
    result.ContinuousEntropy = hc * natsTo(options.Unit);
  }
  result.Entropy = mixtureEntropy(atomTerm, pc, hc) * natsTo(options.Unit);
  return result;
}

} // namespace

double ledoitWolfShrinkage(const ObservationMatrix& x)
{
  if (x.Rows < 2 || x.Dimension == 0)
  {
    return 0.0;
  }
  const MatrixXdRow xc = centred(x);
  return shrinkageFromCentred(xc, covarianceEigenvalues(xc));
}

double gaussianEntropyMultivariate(const ObservationMatrix& x, bool shrink)
{
  if (x.Rows < 2 || x.Dimension == 0)
  {
    return NotANumber;
  }
  const MatrixXdRow xc = centred(x);
  const Eigen::VectorXd eigenvalues = covarianceEigenvalues(xc);
  const double s = shrink ? shrinkageFromCentred(xc, eigenvalues) : 0.0;
  const double mu = eigenvalues.sum() / static_cast<double>(x.Dimension);
  double logDet = 0.0;
  for (Eigen::Index i = 0; i < eigenvalues.size(); ++i)
  {
    // Eigenvalues of (1 - s) S + s mu I.
    const double lambda = (1.0 - s) * eigenvalues[i] + s * mu;
    if (!(lambda > 0.0))
    {
      return NotANumber;
    }
    logDet += std::log(lambda);
  }
  const auto d = static_cast<double>(x.Dimension);
  return 0.5 * (d * std::log(2.0 * M_PI * M_E) + logDet);
}

double nearestNeighborEntropyMultivariate(const ObservationMatrix& x, int k, int threads)
{
  const auto kk = static_cast<std::size_t>(std::max(k, 0));
  if (k < 1 || x.Rows < kk + 1 || x.Dimension == 0 || !hasDistinctRows(x, kk + 1))
  {
    return NotANumber;
  }
  if (x.Dimension == 1)
  {
    return nearestNeighborEntropy(x.Values.data(), x.Rows, k, false);
  }
  using Tree = nanoflann::KDTreeSingleIndexAdaptor<
    nanoflann::L2_Simple_Adaptor<float, ObservationCloud, double>,
    ObservationCloud,
    -1,
    std::size_t>;
  const ObservationCloud cloud{ x };
  Tree tree(static_cast<int>(x.Dimension), cloud, nanoflann::KDTreeSingleIndexAdaptorParams(10));
  tree.buildIndex();

  // Each point's log eps_i is written to its own slot and summed in index order, so the
  // result does not depend on the number of threads.
  std::vector<double> logEps(x.Rows, 0.0);
  const std::size_t block = 256;
  ParallelRunner(threads).forEach(
    (x.Rows + block - 1) / block,
    [&](std::size_t task)
    {
      std::vector<std::size_t> indices(kk + 1);
      std::vector<double> distancesSquared(kk + 1);
      for (std::size_t i = task * block; i < std::min(x.Rows, (task + 1) * block); ++i)
      {
        // k + 1 neighbours: the point itself (or an exact copy) comes first.
        const std::size_t found =
          tree.knnSearch(x.row(i), kk + 1, indices.data(), distancesSquared.data());
        const double eps = found == kk + 1 ? std::sqrt(distancesSquared[kk]) : 0.0;
        logEps[i] = eps > 0.0 ? std::log(eps) : NotANumber;
      }
    });
  double sumLog = 0.0;
  std::size_t positive = 0;
  for (const double l : logEps)
  {
    if (!std::isnan(l))
    {
      sumLog += l;
      ++positive;
    }
  }
  if (positive == 0)
  {
    return NotANumber;
  }
  const auto d = static_cast<double>(x.Dimension);
  return digamma(static_cast<double>(x.Rows)) - digamma(static_cast<double>(k)) +
         logUnitBallVolume(d) + d * sumLog / static_cast<double>(positive);
}

ObservationMatrix projectOnPrincipalComponents(const ObservationMatrix& x, std::size_t components)
{
  const MatrixXdRow xc = centred(x);
  const auto m = static_cast<Eigen::Index>(
    std::min({ components, x.Dimension, x.Rows > 0 ? x.Rows : std::size_t(1) }));
  MatrixXdRow projected;
  if (xc.cols() <= xc.rows())
  {
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(Eigen::MatrixXd(xc.transpose() * xc));
    // Eigenvalues ascend: the top m eigenvectors are the last m columns.
    projected = xc * solver.eigenvectors().rightCols(m).rowwise().reverse();
  }
  else
  {
    // X = U Sigma V^T, so X V_m = U_m Sigma_m, from the n x n Gram matrix X X^T = U Sigma^2 U^T.
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(Eigen::MatrixXd(xc * xc.transpose()));
    const Eigen::VectorXd sigma = solver.eigenvalues().tail(m).reverse().cwiseMax(0.0).cwiseSqrt();
    projected = solver.eigenvectors().rightCols(m).rowwise().reverse() * sigma.asDiagonal();
  }
  ObservationMatrix out;
  out.Rows = x.Rows;
  out.Dimension = static_cast<std::size_t>(m);
  out.Values.resize(out.Rows * out.Dimension);
  Eigen::Map<Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
    out.Values.data(), projected.rows(), projected.cols()) = projected.cast<float>();
  return out;
}

std::string VectorEntropyOptions::validate() const
{
  if (Estimator != ContinuousEstimator::Gaussian &&
      Estimator != ContinuousEstimator::NearestNeighbor)
  {
    return std::string("vector scopes support the gaussian and knn estimators, not ") +
           estimatorName(Estimator);
  }
  if (K < 1)
  {
    return "the k-NN neighbour rank k must be at least 1 (got " + std::to_string(K) + ")";
  }
  if (Atoms == AtomMode::Threshold && !(AtomThreshold > 0.0 && AtomThreshold <= 1.0))
  {
    return "the atom threshold must be a fraction in (0, 1] (got " + std::to_string(AtomThreshold) +
           ")";
  }
  return std::string();
}

MixedEntropy vectorMixedEntropy(const VectorEntropyOptions& options, const ObservationMatrix& x)
{
  std::vector<std::size_t> rows(x.Rows);
  std::iota(rows.begin(), rows.end(), 0);
  return mixedFromRows(options, x, rows, findRowAtoms(options, x));
}

namespace
{

/// Writes entry @p v of @p result: the whole sample and, with classes, each class.
void storeVectorResult(const VectorEntropyOptions& options,
                       const ObservationMatrix& x,
                       const std::vector<std::int32_t>& rowGroup,
                       const std::vector<int>& atomOf,
                       const SampleGrouping& grouping,
                       std::uint64_t nonFinite,
                       ScopeEntropy& result,
                       std::size_t v)
{
  std::vector<std::size_t> all(x.Rows);
  std::iota(all.begin(), all.end(), 0);
  const MixedEntropy whole = mixedFromRows(options, x, all, atomOf);
  result.Entropy[v] = whole.Entropy;
  result.ContinuousEntropy[v] = whole.ContinuousEntropy;
  result.AtomProbability[v] = whole.Count > 0 ? whole.AtomProbability : NotANumber;
  result.AtomCount[v] = whole.Atoms;
  result.Count[v] = whole.Count;
  result.NonFinite[v] = nonFinite;
  if (!grouping.hasClasses() || whole.Count == 0)
  {
    return;
  }
  double conditional = 0.0;
  for (int g = 0; g < grouping.numberOfGroups(); ++g)
  {
    std::vector<std::size_t> rows;
    for (std::size_t r = 0; r < x.Rows; ++r)
    {
      if (rowGroup[r] == g)
      {
        rows.push_back(r);
      }
    }
    if (rows.empty())
    {
      continue;
    }
    // The atoms of the whole sample, shared by every class (one reference measure).
    const MixedEntropy part = mixedFromRows(options, x, rows, atomOf);
    conditional +=
      static_cast<double>(part.Count) / static_cast<double>(whole.Count) * part.Entropy;
    if (!result.ClassEntropy.empty())
    {
      result.ClassEntropy[g][v] = part.Entropy;
    }
  }
  result.ConditionalEntropy[v] = conditional;
  result.MutualInformation[v] = whole.Entropy - conditional;
}

} // namespace

template<typename T>
bool computeVectorEntropy(const ActivationLayout<T>& layout,
                          const SampleGrouping& grouping,
                          VectorScope scope,
                          const VectorEntropyOptions& options,
                          ScopeEntropy& result,
                          const Progress& progress)
{
  requireValidInputs(layout, grouping, options.validate());
  const std::size_t variables = scope == VectorScope::Channel ? layout.NumberOfChannels : 1;
  const std::size_t dimension =
    scope == VectorScope::Channel ? layout.pointsPerChannel() : layout.NumberOfPoints;
  result.resize(variables, grouping, true, options.PerClass);

  for (std::size_t v = 0; v < variables; ++v)
  {
    // Rows are the selected samples whose whole vector is finite.
    ObservationMatrix x;
    x.Dimension = dimension;
    std::vector<std::int32_t> rowGroup;
    std::uint64_t nonFinite = 0;
    std::vector<float> row(dimension);
    for (std::size_t n = 0; n < layout.NumberOfSamples; ++n)
    {
      if (grouping.Group[n] < 0)
      {
        continue;
      }
      bool finite = true;
      for (std::size_t p = 0; p < dimension; ++p)
      {
        row[p] = static_cast<float>(layout.neuron(v * dimension + p)[n]);
        finite = finite && std::isfinite(row[p]);
      }
      if (!finite)
      {
        ++nonFinite;
        continue;
      }
      x.Values.insert(x.Values.end(), row.begin(), row.end());
      rowGroup.push_back(grouping.Group[n]);
    }
    x.Rows = rowGroup.size();
    // Atoms are exact repeats of raw vectors: found before projecting, whose rounding
    // could otherwise split them.
    const std::vector<int> atomOf = findRowAtoms(options, x);
    if (scope == VectorScope::Layer && options.Estimator == ContinuousEstimator::NearestNeighbor &&
        options.PrincipalComponents > 0 && options.PrincipalComponents < x.Dimension && x.Rows > 1)
    {
      x = projectOnPrincipalComponents(x, options.PrincipalComponents);
    }
    storeVectorResult(options, x, rowGroup, atomOf, grouping, nonFinite, result, v);
    if (!progress.report(static_cast<double>(v + 1) / static_cast<double>(variables)))
    {
      return false;
    }
  }
  return true;
}

template bool computeVectorEntropy<float>(const ActivationLayout<float>&,
                                          const SampleGrouping&,
                                          VectorScope,
                                          const VectorEntropyOptions&,
                                          ScopeEntropy&,
                                          const Progress&);
template bool computeVectorEntropy<double>(const ActivationLayout<double>&,
                                           const SampleGrouping&,
                                           VectorScope,
                                           const VectorEntropyOptions&,
                                           ScopeEntropy&,
                                           const Progress&);

} // namespace cnnslicer
