/**
 * @class vtkCNNEntropyFilterBase
 * @brief Common part of the CNN entropy filters: walks the activation volumes of the
 * input, groups samples by class, and lays the estimates out as ParaView data.
 *
 * Input: a vtkImageData, or a composite dataset (vtkPartitionedDataSetCollection as the
 * CNN Activations Reader writes it, vtkMultiBlockDataSet, vtkPartitionedDataSet) of
 * them, with a multi-component point array whose component n is sample n (the
 * "input array to process", `activation` by default). Each image is one layer; its Z
 * slices are channels (Documentation/design.md section 2.2).
 *
 * Outputs:
 * - port 0: the input structure with per-neuron point arrays added (`entropy`, and with
 *   labels `conditional_entropy`, `mutual_information`, `entropy_class_<k>`);
 * - port 1: channel table, one row per (layer, channel);
 * - port 2: layer table, one row per layer in block order, with `layer_index`,
 *   `layer_name`, `layer_type` copied from block field data when present.
 *
 * Labels come from the field-data array named by LabelArrayName (`label`), on the block
 * or on the whole input, with one entry per sample. With labels the filters also give
 * H(T|Y) and I(T;Y); ClassSelection restricts every scope to the chosen classes.
 *
 * Subclasses implement ComputeLayer() with an estimator from Filters/Core.
 */
#ifndef vtkCNNEntropyFilterBase_h
#define vtkCNNEntropyFilterBase_h

#include "CNNSlicerFiltersModule.h" // for export macro
#include "vtkDataObjectAlgorithm.h"

#include "vtkSmartPointer.h" // for vtkSmartPointer

#include <cstddef> // for std::size_t
#include <string>  // for std::string
#include <vector>  // for std::vector

struct vtkCNNLayerBlock;
struct vtkCNNLayerInput;
struct vtkCNNLayerEntropy;
class vtkCNNTableBuilder;
namespace cnnslicer
{
class SampleGrouping;
}
class vtkDataArray;
class vtkFloatArray;
class vtkFieldData;
class vtkImageData;
class vtkTable;

class CNNSLICERFILTERS_EXPORT vtkCNNEntropyFilterBase : public vtkDataObjectAlgorithm
{
public:
  vtkTypeMacro(vtkCNNEntropyFilterBase, vtkDataObjectAlgorithm);
  void PrintSelf(ostream& os, vtkIndent indent) override;

  /// Units of every entropy.
  enum EntropyUnits
  {
    BITS = 0,
    NATS = 1
  };

  ///@{
  /// Entropy unit: bits (log2, default) or nats.
  vtkSetClampMacro(Unit, int, BITS, NATS);
  vtkGetMacro(Unit, int);
  ///@}

  ///@{
  /// Which scopes to compute (all on by default).
  vtkSetMacro(NeuronScope, bool);
  vtkGetMacro(NeuronScope, bool);
  vtkBooleanMacro(NeuronScope, bool);
  vtkSetMacro(ChannelScope, bool);
  vtkGetMacro(ChannelScope, bool);
  vtkBooleanMacro(ChannelScope, bool);
  vtkSetMacro(LayerScope, bool);
  vtkGetMacro(LayerScope, bool);
  vtkBooleanMacro(LayerScope, bool);
  ///@}

  ///@{
  /// Name of the field-data array holding one class label per sample ("label").
  vtkSetStdStringFromCharMacro(LabelArrayName);
  vtkGetCharFromStdStringMacro(LabelArrayName);
  ///@}

  ///@{
  /// Classes that take part; none listed means all samples.
  void AddSelectedClass(int label);
  void RemoveAllSelectedClasses();
  int GetNumberOfSelectedClasses() const { return static_cast<int>(this->SelectedClasses.size()); }
  ///@}

  ///@{
  /// Also output H(T|Y=k) for each class k (arrays/columns `entropy_class_<k>`).
  vtkSetMacro(PerClassOutputs, bool);
  vtkGetMacro(PerClassOutputs, bool);
  vtkBooleanMacro(PerClassOutputs, bool);
  ///@}

  ///@{
  /// Worker threads; 0 (default) uses every core.
  vtkSetClampMacro(NumberOfThreads, int, 0, 1024);
  vtkGetMacro(NumberOfThreads, int);
  ///@}

protected:
  vtkCNNEntropyFilterBase();
  ~vtkCNNEntropyFilterBase() override;

  int FillInputPortInformation(int port, vtkInformation* info) override;
  int FillOutputPortInformation(int port, vtkInformation* info) override;
  int RequestDataObject(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;
  int RequestData(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;

  /**
   * Estimates one layer. Returns false after reporting an error (vtkErrorMacro) or when
   * the user aborted. Exceptions from the core are caught by the caller.
   */
  virtual bool ComputeLayer(const vtkCNNLayerInput& input, vtkCNNLayerEntropy& result) = 0;

  /// Text stored with the tables as `estimator` (e.g. "histogram, 64 bins").
  virtual std::string DescribeEstimator() const = 0;

  /// Unit of the entropy columns ("bits", "nats", or "normalized").
  virtual std::string DescribeUnit() const;

  /**
   * Writes one layer's estimates (Documentation/design.md sections 2.8 and 2.9): the
   * per-neuron arrays on @p block's image, one row per channel and the layer's row.
   */
  void WriteLayer(const vtkCNNLayerBlock& block,
                  const vtkCNNLayerEntropy& result,
                  const cnnslicer::SampleGrouping& grouping,
                  std::size_t channelCount,
                  std::size_t points,
                  vtkCNNTableBuilder& channels,
                  vtkCNNTableBuilder& layers);

  /**
   * The input of one layer: @p block's activation array (the selected one, or the data
   * model's `activation` when none is selected) with its samples grouped by class. Returns 1
   * when @p layer is ready, 0 to skip a layer without that point array (a warning when
   * @p warnSkip), -1 after an error it reported. @p converted holds a float copy of other
   * array types, @p labels the label array found (or null).
   */
  int PrepareLayer(const vtkCNNLayerBlock& block,
                   vtkDataObject* input,
                   bool warnSkip,
                   vtkCNNLayerInput& layer,
                   vtkSmartPointer<vtkFloatArray>& converted,
                   vtkDataArray*& labels);

  /// Builds output ports 1 (channels) and 2 (layers) with their unit and estimator.
  void WriteTables(vtkCNNTableBuilder& channels,
                   vtkCNNTableBuilder& layers,
                   vtkInformationVector* outputVector) const;

  /**
   * The reduction step of a parallel run (each process computed @p computed of its own
   * layers, @p ok when it succeeded): table rows go to process 0 in layer order. Returns
   * what RequestData returns.
   */
  int GatherParallelResults(bool ok, std::size_t computed, vtkInformationVector* outputVector);

  int Unit = BITS;
  bool NeuronScope = true;
  bool ChannelScope = true;
  bool LayerScope = true;
  std::string LabelArrayName = "label";
  std::vector<int> SelectedClasses;
  bool PerClassOutputs = false;
  int NumberOfThreads = 0;

private:
  /// This process's layers: the output and its table rows; @p computed counts the layers.
  int RequestLocalData(vtkInformationVector** inputVector,
                       vtkInformationVector* outputVector,
                       std::size_t& computed);

  vtkCNNEntropyFilterBase(const vtkCNNEntropyFilterBase&) = delete;
  void operator=(const vtkCNNEntropyFilterBase&) = delete;
};

#endif
