/**
 * @file vtkCNNLayerBlocks.h
 * @brief Private helpers of the CNN filters (not wrapped): finding the activation
 * volumes of an input, reading their layer metadata and labels, and building tables.
 */
#ifndef vtkCNNLayerBlocks_h
#define vtkCNNLayerBlocks_h

#include "vtkCNNEntropyFilterInternals.h"

#include "vtkSmartPointer.h"

#include <map>
#include <string>
#include <vector>

class vtkAlgorithm;
class vtkDataArray;
class vtkDataObject;
class vtkFieldData;
class vtkFloatArray;
class vtkImageData;
class vtkTable;

/// One activation volume (layer) of a filter's input or output.
struct vtkCNNLayerBlock
{
  vtkImageData* Image = nullptr;
  /// Block name in the composite data set ("block 3" when it has none).
  std::string BlockName;
  /// `layer_name`, `layer_type`, `layer_index` and `output_shape` from the block's field
  /// data (the reader writes them), else the block name, "", the block ordinal and "".
  std::string LayerName;
  std::string LayerType;
  double LayerIndex = 0.0;
  std::string OutputShape;
};

/**
 * The image blocks of @p data (a vtkImageData, vtkPartitionedDataSetCollection or other
 * vtkDataObjectTree), in block order. Blocks that are not images are skipped with a line
 * in @p warnings. Returns false when @p data is none of those types.
 */
bool vtkCNNCollectLayerBlocks(vtkDataObject* data,
                              std::vector<vtkCNNLayerBlock>& blocks,
                              std::vector<std::string>& warnings);

/// A string from field data (first value of array @p name), or @p fallback.
std::string vtkCNNFieldString(vtkFieldData* fd, const char* name, const std::string& fallback);

/// Settings that turn an activation array and labels into a vtkCNNLayerInput.
struct vtkCNNLayerInputRequest
{
  std::string LabelArrayName = "label";
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
