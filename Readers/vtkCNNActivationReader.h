/**
 * @class vtkCNNActivationReader
 * @brief "CNN Activations Reader": runs a TorchScript CNN on a dataset and outputs every
 * layer's activations as activation volumes (Documentation/design.md section 2).
 *
 * Port 0 is a vtkPartitionedDataSetCollection with one vtkImageData per layer, in
 * execution order ("input", every leaf-module call, "logits"), and a vtkDataAssembly
 * mirroring the module hierarchy. Each image has extent [0,W-1] x [0,H-1] x [0,C-1]
 * (X = column, Y = row flipped so that images are upright, Z = channel) and a float32
 * point array `activation` whose component n is sample n; per-component value ranges
 * are cached while writing so that ParaView's data-information pass stays cheap. Layers
 * sit side by side along X. Field data: per layer `layer_name`, `layer_type`,
 * `layer_index`, `output_shape`; on the collection `sample_id`, `label`, `prediction`,
 * `class_names`.
 *
 * Port 1 is a table with one row per sample: `sample_id`, `label`, `prediction`,
 * `confidence`, `correct`.
 *
 * Several model files (checkpoints of one training) are time steps; the time of each
 * is the trailing integer of its file name (the epoch), else its position.
 *
 * Parallel runs (mpiexec pvbatch, pvserver): each piece holds whole layers with all
 * their samples, the processes share the inference by samples, and the table of samples
 * is split by samples (vtkCNNActivationCollectionBuilder, Documentation/parallel.md).
 *
 * Datasets: IDX (MNIST/Fashion-MNIST, plain or .gz), CIFAR-10 binary batches, a folder
 * of class sub-folders of PNG/JPEG images, and NumPy .npy arrays. Preprocessing
 * (scale to [0,1], per-channel mean/std) defaults to the model's `cnnslicer.json`.
 *
 * Loading a TorchScript model runs code from the file: open only trusted models.
 */
#ifndef vtkCNNActivationReader_h
#define vtkCNNActivationReader_h

#include "CNNSlicerReadersModule.h" // for export macro
#include "vtkPartitionedDataSetCollectionAlgorithm.h"

#include <memory> // for std::unique_ptr
#include <string> // for std::string
#include <vector> // for std::vector

class vtkDataArraySelection;

class CNNSLICERREADERS_EXPORT vtkCNNActivationReader
  : public vtkPartitionedDataSetCollectionAlgorithm
{
public:
  static vtkCNNActivationReader* New();
  vtkTypeMacro(vtkCNNActivationReader, vtkPartitionedDataSetCollectionAlgorithm);
  void PrintSelf(ostream& os, vtkIndent indent) override;

  ///@{
  /// Model files: one TorchScript archive, or several checkpoints (time steps).
  void AddFileName(const char* fileName);
  void RemoveAllFileNames();
  unsigned int GetNumberOfFileNames() const;
  const char* GetFileName(unsigned int index) const;
  /// Convenience for a single model file.
  void SetFileName(const char* fileName);
  ///@}

  /// True when @p fileName looks like a TorchScript archive (a zip file).
  static int CanReadFile(const char* fileName);

  /// Dataset formats.
  enum DatasetFormats
  {
    FORMAT_AUTOMATIC = 0,
    FORMAT_IDX = 1,
    FORMAT_CIFAR10 = 2,
    FORMAT_NUMPY = 3,
    FORMAT_IMAGE_FOLDER = 4
  };

  ///@{
  /// The dataset: an IDX images file or folder, a CIFAR-10 batch or folder, a .npy file,
  /// or the root of an image folder; optional labels file (IDX or .npy).
  vtkSetStdStringFromCharMacro(DatasetFileName);
  vtkGetCharFromStdStringMacro(DatasetFileName);
  vtkSetStdStringFromCharMacro(LabelsFileName);
  vtkGetCharFromStdStringMacro(LabelsFileName);
  vtkSetClampMacro(DatasetFormat, int, FORMAT_AUTOMATIC, FORMAT_IMAGE_FOLDER);
  vtkGetMacro(DatasetFormat, int);
  /// Split of a dataset folder: 0 = test (default), 1 = train.
  vtkSetClampMacro(Split, int, 0, 1);
  vtkGetMacro(Split, int);
  ///@}

  ///@{
  /// Sample selection: at most MaximumSamples (0 = all; default 1000) from FirstSample
  /// with Stride, optionally restricted to some classes, or SamplesPerClass of each.
  vtkSetClampMacro(MaximumSamples, vtkIdType, 0, VTK_ID_MAX);
  vtkGetMacro(MaximumSamples, vtkIdType);
  vtkSetClampMacro(FirstSample, vtkIdType, 0, VTK_ID_MAX);
  vtkGetMacro(FirstSample, vtkIdType);
  vtkSetClampMacro(Stride, vtkIdType, 1, VTK_ID_MAX);
  vtkGetMacro(Stride, vtkIdType);
  vtkSetClampMacro(SamplesPerClass, vtkIdType, 0, VTK_ID_MAX);
  vtkGetMacro(SamplesPerClass, vtkIdType);
  void AddSelectedClass(int label);
  void RemoveAllSelectedClasses();
  ///@}

  ///@{
  /// Layers to output, filled from the model in RequestInformation (all on by default).
  vtkDataArraySelection* GetLayerSelection();
  int GetNumberOfLayerArrays();
  const char* GetLayerArrayName(int index);
  int GetLayerArrayStatus(const char* name);
  void SetLayerArrayStatus(const char* name, int status);
  ///@}

  ///@{
  /// 0: leaf-module outputs (default); 1: also every tensor operation.
  vtkSetClampMacro(Granularity, int, 0, 1);
  vtkGetMacro(Granularity, int);
  ///@}

  ///@{
  /// Inference batch size (default 256) and LibTorch threads (0 = every core).
  vtkSetClampMacro(BatchSize, int, 1, 65536);
  vtkGetMacro(BatchSize, int);
  vtkSetClampMacro(NumberOfThreads, int, 0, 1024);
  vtkGetMacro(NumberOfThreads, int);
  ///@}

  ///@{
  /// Preprocessing: NormalizationMode 0 = the model's metadata (default), 1 = none
  /// (only scaling of 8-bit data to [0,1]), 2 = the Mean/Std given here.
  vtkSetClampMacro(NormalizationMode, int, 0, 2);
  vtkGetMacro(NormalizationMode, int);
  void AddMean(double value);
  void RemoveAllMeans();
  void AddStd(double value);
  void RemoveAllStds();
  vtkSetMacro(ScaleToUnitRange, bool);
  vtkGetMacro(ScaleToUnitRange, bool);
  ///@}

  ///@{
  /// Requests needing more than MemoryLimit megabytes (default 8192) are refused;
  /// MemoryEstimate (computed in RequestInformation) is what the current choice needs.
  vtkSetClampMacro(MemoryLimit, double, 1.0, 1e9);
  vtkGetMacro(MemoryLimit, double);
  vtkGetMacro(MemoryEstimate, double);
  ///@}

  /// Shape information for the GUI: one "name type (shape)" string per layer.
  vtkGetMacro(NumberOfLayers, int);

protected:
  vtkCNNActivationReader();
  ~vtkCNNActivationReader() override;

  int FillOutputPortInformation(int port, vtkInformation* info) override;
  int RequestInformation(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;
  int RequestData(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;

  std::vector<std::string> FileNames;
  std::string DatasetFileName;
  std::string LabelsFileName;
  int DatasetFormat = FORMAT_AUTOMATIC;
  int Split = 0;
  vtkIdType MaximumSamples = 1000;
  vtkIdType FirstSample = 0;
  vtkIdType Stride = 1;
  vtkIdType SamplesPerClass = 0;
  std::vector<int> SelectedClasses;
  int Granularity = 0;
  int BatchSize = 256;
  int NumberOfThreads = 0;
  int NormalizationMode = 0;
  std::vector<double> Means;
  std::vector<double> Stds;
  bool ScaleToUnitRange = true;
  double MemoryLimit = 8192.0;
  double MemoryEstimate = 0.0;
  int NumberOfLayers = 0;

private:
  vtkCNNActivationReader(const vtkCNNActivationReader&) = delete;
  void operator=(const vtkCNNActivationReader&) = delete;

  /// vtkErrorMacro for @p message unless the same message was reported since the reader
  /// last changed: ParaView asks for information again after a failed request (Apply,
  /// then the view's update), and the user should read each error once.
  void ReportErrorOnce(const std::string& message);

  class vtkInternals;
  std::unique_ptr<vtkInternals> Internals;
};

#endif
