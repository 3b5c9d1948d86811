#ifndef pqCNNSlicerData_h
#define pqCNNSlicerData_h

#include <QHash>
#include <QImage>
#include <QString>
#include <QStringList>
#include <QVector>

#include <vtkDataAssembly.h> // smart pointer members need complete types
#include <vtkDataObject.h>
#include <vtkImageData.h>
#include <vtkSmartPointer.h>

class vtkSMSourceProxy;
class vtkTable;

/// One captured layer of the CNN Activations Reader's output (Documentation/design.md section 2).
struct pqCNNSlicerLayer
{
  /// Position in the reader's vtkPartitionedDataSetCollection (0 = input).
  int Position = -1;
  /// Module path, e.g. "features.3" (field data layer_name).
  QString Name;
  /// Module class, e.g. "Conv2d" (field data layer_type).
  QString Type;
  /// The tensor shape without the batch axis, e.g. "(16, 10, 10)" (field data output_shape).
  QString Shape;
  int Width = 0;
  int Height = 0;
  int Channels = 0;
  /// The layer's volume bounds in the 3D view (layers sit side by side along X).
  double Bounds[6] = { 0, 0, 0, 0, 0, 0 };
};

/**
 * @class pqCNNSlicerData
 * @brief What the CNN Slicer panel shows about one reader: its layers, samples and the layer
 * entropies of a downstream entropy filter, read from the data the pipeline produced.
 *
 * Widget-free, so that the panel only lays things out. The data come through ParaView's
 * `misc/DataMover` proxy (what `paraview.simple.FetchData` uses): in the built-in session that
 * is the output object itself, without a copy; with a remote server the reader's output is
 * moved to the client (see README, "CNN Slicer panel", for that limitation).
 */
class pqCNNSlicerData
{
public:
  /// The data object on `port` of `producer`, as the client sees it (nullptr if none).
  static vtkSmartPointer<vtkDataObject> fetch(vtkSMSourceProxy* producer, int port);

  /**
   * Reads layers and class names from the reader's port 0 (a vtkPartitionedDataSetCollection)
   * and samples from its port 1 (the per-sample table). Returns false and fills `problem` with
   * a one-line explanation when the output is not the reader's.
   */
  bool read(vtkDataObject* activations, vtkDataObject* samples, QString& problem);

  /// Forgets the layer entropies (no entropy filter downstream).
  void clearLayerEntropy();
  /**
   * Reads the `entropy` column of an entropy filter's layer table (port 2) by layer_name, and
   * the table's unit (field data `unit`, "bits" when absent).
   */
  void readLayerEntropy(vtkDataObject* layerTable);

  const QVector<pqCNNSlicerLayer>& layers() const { return this->Layers; }
  /// The layer called `name`, or nullptr.
  const pqCNNSlicerLayer* layer(const QString& name) const;
  /// The module tree of the reader's output (its vtkDataAssembly), or nullptr.
  vtkDataAssembly* assembly() const { return this->Assembly; }

  /// Layer entropy in `entropyUnit()` (NaN when unknown), and the largest finite one.
  double layerEntropy(const QString& name) const;
  double maximumLayerEntropy() const { return this->MaximumEntropy; }
  bool hasLayerEntropy() const { return !this->EntropyByLayer.isEmpty(); }
  const QString& entropyUnit() const { return this->EntropyUnit; }

  int sampleCount() const { return this->Labels.size(); }
  int label(int sample) const { return this->Labels.value(sample, -1); }
  int prediction(int sample) const { return this->Predictions.value(sample, -1); }
  double confidence(int sample) const { return this->Confidences.value(sample, 0.0); }
  /// Index of the sample in its dataset (sample_id).
  int datasetIndex(int sample) const { return this->DatasetIndices.value(sample, sample); }
  /// Labelled and predicted as another class.
  bool misclassified(int sample) const;
  /// Class names (K of them), or "0", "1", ... when the model carries none.
  const QStringList& classNames() const { return this->ClassNames; }
  /// "3 (three)", or "3" when the name is the number itself, or "none" for -1.
  QString className(int classIndex) const;

  /**
   * The next misclassified sample after `from` going in `direction` (+1 or -1), wrapping
   * around, among samples labelled `classIndex` (-1: any class); -1 if there is none.
   */
  int nextMisclassified(int from, int direction, int classIndex) const;

  /**
   * Sample `sample` of the `input` layer as an image: one channel is grey, three are RGB
   * (other counts show channel 0), each channel scaled to its own min..max so that normalized
   * inputs stay visible; rows are flipped back (the volume has row 0 at Y = H-1). Null image
   * when the output has no `input` layer.
   */
  QImage inputImage(int sample) const;

private:
  QVector<pqCNNSlicerLayer> Layers;
  vtkSmartPointer<vtkDataAssembly> Assembly;
  vtkSmartPointer<vtkImageData> Input;
  QVector<int> Labels;
  QVector<int> Predictions;
  QVector<double> Confidences;
  QVector<int> DatasetIndices;
  QStringList ClassNames;
  QHash<QString, double> EntropyByLayer;
  double MaximumEntropy = 0.0;
  QString EntropyUnit = QStringLiteral("bits");
};

#endif
