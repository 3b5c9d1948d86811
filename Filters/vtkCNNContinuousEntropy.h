/**
 * @class vtkCNNContinuousEntropy
 * @brief "CNN Entropy (Continuous)": differential entropy of CNN activations with
 * point masses separated (Documentation/entropy.md, "Continuous entropy").
 *
 * Estimators: Gaussian, kernel density (Silverman bandwidth, binned FFT; the 1-D
 * default), Kozachenko-Leonenko k-NN and Vasicek m-spacing. Values that repeat exactly
 * in at least AtomThreshold of the observations (ReLU zeros, a convolution's bias on
 * blank input) are atoms; the filter reports `p_atoms`, the continuous part's
 * differential entropy `h_c`, and the mixed entropy
 * `entropy` = -sum_j p_j log2 p_j - p_c log2 p_c + p_c h_c. Too few distinct values for
 * the estimator give NaN (counted in the layer table's `undefined_neurons`), never -inf.
 *
 * Optional vector scopes: channel-vector (each sample's H x W map is one observation)
 * and layer-vector (the whole layer; k-NN after projection on principal components),
 * written as `vector_*` columns.
 */
#ifndef vtkCNNContinuousEntropy_h
#define vtkCNNContinuousEntropy_h

#include "CNNSlicerFiltersModule.h" // for export macro
#include "vtkCNNEntropyFilterBase.h"

#include <vector> // for std::vector

class CNNSLICERFILTERS_EXPORT vtkCNNContinuousEntropy : public vtkCNNEntropyFilterBase
{
public:
  static vtkCNNContinuousEntropy* New();
  vtkTypeMacro(vtkCNNContinuousEntropy, vtkCNNEntropyFilterBase);
  void PrintSelf(ostream& os, vtkIndent indent) override;

  /// Estimators, numbered as cnnslicer::ContinuousEstimator.
  enum Estimators
  {
    GAUSSIAN = 0,
    KERNEL_DENSITY = 1,
    NEAREST_NEIGHBOR = 2,
    SPACING = 3
  };

  /// Point-mass handling, numbered as cnnslicer::AtomMode.
  enum AtomModes
  {
    ATOMS_BY_THRESHOLD = 0,
    ATOMS_FIXED_VALUES = 1,
    ATOMS_OFF = 2
  };

  /// Vector scopes.
  enum VectorScopes
  {
    NO_VECTOR_SCOPE = 0,
    CHANNEL_VECTOR = 1,
    LAYER_VECTOR = 2
  };

  ///@{
  /// Scalar estimator (default KERNEL_DENSITY).
  vtkSetClampMacro(Estimator, int, GAUSSIAN, SPACING);
  vtkGetMacro(Estimator, int);
  ///@}

  ///@{
  /// Neighbour rank k of the k-NN estimator (default 3).
  vtkSetClampMacro(K, int, 1, 1000);
  vtkGetMacro(K, int);
  ///@}

  ///@{
  /// Point-mass handling (default ATOMS_BY_THRESHOLD).
  vtkSetClampMacro(AtomMode, int, ATOMS_BY_THRESHOLD, ATOMS_OFF);
  vtkGetMacro(AtomMode, int);
  ///@}

  ///@{
  /// Fraction of observations from which an exactly repeated value is an atom (0.001).
  vtkSetClampMacro(AtomThreshold, double, 1e-9, 1.0);
  vtkGetMacro(AtomThreshold, double);
  ///@}

  ///@{
  /// The atoms of ATOMS_FIXED_VALUES (default {0}).
  void AddAtomValue(double value);
  void RemoveAllAtomValues();
  ///@}

  ///@{
  /// Pooled (channel, layer) scopes use at most this many observations, evenly strided;
  /// 0 means all (default 1,000,000).
  vtkSetClampMacro(MaximumObservations, vtkIdType, 0, VTK_ID_MAX);
  vtkGetMacro(MaximumObservations, vtkIdType);
  ///@}

  ///@{
  /// Vector scope (default NO_VECTOR_SCOPE), its estimator (GAUSSIAN with Ledoit-Wolf
  /// shrinkage, or NEAREST_NEIGHBOR, the default) and, for the layer vector with k-NN,
  /// the number of principal components (default 16).
  vtkSetClampMacro(VectorScope, int, NO_VECTOR_SCOPE, LAYER_VECTOR);
  vtkGetMacro(VectorScope, int);
  vtkSetMacro(VectorEstimator, int);
  vtkGetMacro(VectorEstimator, int);
  vtkSetClampMacro(PrincipalComponents, int, 0, 4096);
  vtkGetMacro(PrincipalComponents, int);
  ///@}

protected:
  vtkCNNContinuousEntropy();
  ~vtkCNNContinuousEntropy() override;

  bool ComputeLayer(const vtkCNNLayerInput& input, vtkCNNLayerEntropy& result) override;
  std::string DescribeEstimator() const override;

  int Estimator = KERNEL_DENSITY;
  int K = 3;
  int AtomMode = ATOMS_BY_THRESHOLD;
  double AtomThreshold = 0.001;
  std::vector<double> AtomValues{ 0.0 };
  vtkIdType MaximumObservations = 1000000;
  int VectorScope = NO_VECTOR_SCOPE;
  int VectorEstimator = NEAREST_NEIGHBOR;
  int PrincipalComponents = 16;

private:
  vtkCNNContinuousEntropy(const vtkCNNContinuousEntropy&) = delete;
  void operator=(const vtkCNNContinuousEntropy&) = delete;
};

#endif
