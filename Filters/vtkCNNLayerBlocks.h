/**
 * @file vtkCNNLayerBlocks.h
 * @brief Private helpers of the CNN filters (not wrapped): reading the labels of an
 * activation volume (found by vtkCNNLayerCollection) and building tables.
 */
#ifndef vtkCNNLayerBlocks_h
#define vtkCNNLayerBlocks_h

#include "vtkCNNEntropyFilterInternals.h"
#include "vtkCNNLayerCollection.h" // for vtkCNNLayerBlock, the layers of an input

#include "DataModelNames.h"

#include "vtkSmartPointer.h"

#include <map>
#include <string>
#include <vector>

/// The data model's names (Documentation/design.md section 2) as the filters spell them:
/// names::LayerIndex for "layer_index". Private header, so the alias stays in this module.
namespace names = cnnslicer::names;

class vtkAlgorithm;
class vtkDataArray;
class vtkDataObject;
class vtkFloatArray;
class vtkImageData;
class vtkInformation;
class vtkTable;

/// Settings that turn an activation array and labels into a vtkCNNLayerInput.
struct vtkCNNLayerInputRequest
{
  std::string LabelArrayName = cnnslicer::names::Label;
  std::vector<int> SelectedClasses;
  int Threads = 0;
};

/**
 * Points @p layer at the values of @p activations (float arrays in place, double arrays
 * in place, any other type converted into @p converted) and groups the samples by the
 * labels found in the block's field data, else in @p input's. @p labels receives the
 * label array (or null). Returns an error message, empty on success.
 */
std::string vtkCNNPrepareLayerInput(const vtkCNNLayerBlock& block,
                                    vtkDataArray* activations,
                                    vtkDataObject* input,
                                    const vtkCNNLayerInputRequest& request,
                                    vtkCNNLayerInput& layer,
                                    vtkSmartPointer<vtkFloatArray>& converted,
                                    vtkDataArray*& labels);

/**
 * The activation array of @p image for an algorithm whose selected input array is
 * @p selection (vtkAlgorithm::GetInputArrayInformation(0)) and which found @p chosen. When
 * nothing was chosen because no array is selected at all, the data model's point array
 * `activation` (design.md section 2.2): in `pvbatch --symmetric` and on pvserver satellites
 * the proxy's array default comes from data information the satellites do not have, and the
 * filters would find no layer. @p association is set for the array returned.
 */
vtkDataArray* vtkCNNActivationArray(vtkDataArray* chosen,
                                    vtkInformation* selection,
                                    vtkImageData* image,
                                    int& association);

/**
 * Reports a core computation's progress as the share [Begin, End] of @p Algorithm's
 * progress, and passes a user abort (vtkAlgorithm::CheckAbort) back to the core as a
 * cancel. Must outlive the computation that uses Sink().
 */
struct vtkCNNProgressShare
{
  vtkAlgorithm* Algorithm = nullptr;
  double Begin = 0.0;
  double End = 1.0;
  /// Set once the user asked to stop.
  bool Aborted = false;

  cnnslicer::Progress Sink();
};

/// Collects rows of a vtkTable column by column; missing cells become NaN / "".
class vtkCNNTableBuilder
{
public:
  void NewRow() { ++this->Rows; }
  std::size_t NumberOfRows() const { return this->Rows; }
  void Set(const std::string& name, double value);
  void SetText(const std::string& name, const std::string& value);
  /// Adds the columns to @p table in the order they first appeared; index and count
  /// columns (IsCountColumn) become vtkIdTypeArray, other numbers vtkDoubleArray.
  void Build(vtkTable* table);
  /// Integer columns: indices and counts.
  static bool IsCountColumn(const std::string& name);

private:
  std::size_t Rows = 0;
  std::vector<std::string> Order;
  std::map<std::string, std::vector<double>> Numbers;
  std::map<std::string, std::vector<std::string>> Texts;
};

/// Stores `unit` and `estimator` as one-value string arrays in @p table's field data.
void vtkCNNSetTableMetadata(vtkTable* table, const std::string& unit, const std::string& estimator);

#endif
