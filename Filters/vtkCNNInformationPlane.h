/**
 * @class vtkCNNInformationPlane
 * @brief "CNN Information Plane": I(X;T) and I(T;Y) of every layer at every checkpoint
 * (Documentation/entropy.md, "Information plane"; its tables: Documentation/design.md
 * section 2.10), after Shwartz-Ziv & Tishby, "Opening the Black Box of Deep Neural
 * Networks via Information" (2017).
 *
 * T is a layer's whole representation of one input: every neuron's activation binned
 * into NumberOfBins equal-width bins over the layer's range (or a fixed range), the
 * vector of bins being one symbol. H(T) is the entropy of those symbols over the
 * samples; the network is deterministic, so I(X;T) = H(T) <= log2 N. With labels,
 * I(T;Y) = H(T) - H(T|Y) <= H(Y). Both depend on the binning (Saxe et al., ICLR 2018):
 * the tables carry the bin count and range.
 *
 * Input: the CNN Activations Reader's output (or any vtkImageData / composite of them
 * with a multi-component point array, component n = sample n, and a `label` field
 * array). With time steps (a checkpoint series) the filter runs the input once per
 * time step, in order, unless AllTimeSteps is off; its outputs have no time.
 *
 * Outputs:
 * - port 0: a table with one row per (epoch, layer): `epoch`, `layer_index`,
 *   `layer_name`, `layer_type`, `I_XT`, `I_TY`, `H_T`, `H_T_given_Y`, `H_Y`, `H_max`
 *   (log N), `patterns`, `samples`, `neurons`, `neurons_examined`, `non_finite`,
 *   `range_low`, `range_high`;
 * In a parallel run (the reader gives each process whole layers) the rows are gathered
 * on process 0, as the entropy filters' tables are (vtkCNNParallelTables).
 * - port 1: a vtkMultiBlockDataSet with one table per layer (block name = layer name,
 *   rows in epoch order), so that a Line Chart View with X = `I_XT` and Y = `I_TY`
 *   draws one trajectory per layer through the information plane.
 */
#ifndef vtkCNNInformationPlane_h
#define vtkCNNInformationPlane_h

#include "CNNSlicerFiltersModule.h" // for export macro
#include "vtkDataObjectAlgorithm.h"

#include <cstddef> // for std::size_t
#include <memory>  // for std::unique_ptr
#include <string>  // for std::string
#include <vector>  // for std::vector

class CNNSLICERFILTERS_EXPORT vtkCNNInformationPlane : public vtkDataObjectAlgorithm
{
public:
  static vtkCNNInformationPlane* New();
  vtkTypeMacro(vtkCNNInformationPlane, vtkDataObjectAlgorithm);
  void PrintSelf(ostream& os, vtkIndent indent) override;

  /// How the bins' range is chosen (values as in vtkCNNDiscreteEntropy).
  enum RangeModes
  {
    LAYER_RANGE = 0,
    FIXED_RANGE = 2
  };

  ///@{
  /// Bins per neuron, 2 to 65536 (default 30, as Shwartz-Ziv & Tishby).
  vtkSetClampMacro(NumberOfBins, int, 2, 65536);
  vtkGetMacro(NumberOfBins, int);
  ///@}

  ///@{
  /// LAYER_RANGE (min/max of the layer over the selected samples, at each checkpoint;
  /// default) or FIXED_RANGE.
  vtkSetMacro(RangeMode, int);
  vtkGetMacro(RangeMode, int);
  ///@}

  ///@{
  /// The [low, high] range used with FIXED_RANGE.
  vtkSetVector2Macro(FixedRange, double);
  vtkGetVector2Macro(FixedRange, double);
  ///@}

  ///@{
  /// Unit: 0 bits (default), 1 nats.
  vtkSetClampMacro(Unit, int, 0, 1);
  vtkGetMacro(Unit, int);
  ///@}

  ///@{
  /// Field-data array with one class label per sample ("label").
  vtkSetStdStringFromCharMacro(LabelArrayName);
  vtkGetCharFromStdStringMacro(LabelArrayName);
  ///@}

  ///@{
  /// Classes that take part; none listed means all samples.
  void AddSelectedClass(int label);
  void RemoveAllSelectedClasses();
  ///@}

  ///@{
  /// Run every time step of the input (default) or only the one being shown.
  vtkSetMacro(AllTimeSteps, bool);
  vtkGetMacro(AllTimeSteps, bool);
  vtkBooleanMacro(AllTimeSteps, bool);
  ///@}

  ///@{
  /// Worker threads for the range pass; 0 (default) uses every core.
  vtkSetClampMacro(NumberOfThreads, int, 0, 1024);
  vtkGetMacro(NumberOfThreads, int);
  ///@}

protected:
  vtkCNNInformationPlane();
  ~vtkCNNInformationPlane() override;

  int FillInputPortInformation(int port, vtkInformation* info) override;
  int FillOutputPortInformation(int port, vtkInformation* info) override;
  int RequestDataObject(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;
  int RequestInformation(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;
  int RequestUpdateExtent(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;
  int RequestData(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;

  int NumberOfBins = 30;
  int RangeMode = LAYER_RANGE;
  double FixedRange[2] = { 0.0, 1.0 };
  int Unit = 0;
  std::string LabelArrayName = "label";
  std::vector<int> SelectedClasses;
  bool AllTimeSteps = true;
  int NumberOfThreads = 0;

private:
  vtkCNNInformationPlane(const vtkCNNInformationPlane&) = delete;
  void operator=(const vtkCNNInformationPlane&) = delete;

  /// Adds the rows of the current input (one time step) to the accumulated rows;
  /// @p computed counts the layers of this process. False after an error or an abort.
  bool ComputeTimeStep(vtkDataObject* input,
                       double epoch,
                       double progressBegin,
                       double progressEnd,
                       std::size_t& computed);
  /// Ends a pass over the time steps (after the last one, or after an error).
  void EndPass(vtkInformation* request);

  struct Internals;
  std::unique_ptr<Internals> Internal;
};

#endif
