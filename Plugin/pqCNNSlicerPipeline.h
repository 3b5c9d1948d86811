#ifndef pqCNNSlicerPipeline_h
#define pqCNNSlicerPipeline_h

#include <QList>
#include <QPointer>
#include <QString>

#include <pqPipelineSource.h> // QPointer needs the complete type
#include <pqView.h>

class pqCNNSlicerData;
struct pqCNNSlicerLayer;
class pqServer;
class vtkSMProxy;

/**
 * What the CNN Slicer panel has selected for one reader. It is kept as annotations on the
 * reader proxy (keys "CNNSlicer.*"), which ParaView writes into state files (.pvsm) and reads
 * back, so a reloaded state restores the panel.
 */
struct pqCNNSlicerSelection
{
  enum class Display
  {
    ChannelSlice,
    Mosaic
  };
  enum class Coloring
  {
    SampleActivation,
    NeuronEntropy
  };

  QString Layer;
  int Sample = 0;
  int Channel = 0;
  /// -1: all classes; k: only samples labelled k (the entropy filters' ClassSelection).
  int ClassIndex = -1;
  Display Show = Display::ChannelSlice;
  Coloring Color = Coloring::SampleActivation;
  /// One line per class in the chart (the entropy filter's PerClassOutputs).
  bool PerClassLines = false;
  /// Colour range of the shown sample alone; by default the layer's range over all samples,
  /// so that samples compare by colour.
  bool FitSampleRange = false;

  /// Reads the annotations of `reader`; false when it has none (a reader the panel never saw).
  bool load(vtkSMProxy* reader);
  void store(vtkSMProxy* reader) const;
};

/**
 * @class pqCNNSlicerPipeline
 * @brief The ordinary ParaView pipeline and views behind the CNN Slicer panel, for one reader.
 *
 * "Analyze" builds, or completes, this pipeline:
 *
 *     CNN Activations Reader
 *       -> CNN Entropy (Discrete)                  (role "entropy"; or an existing entropy filter)
 *            port 0 -> Extract Block (the layer)   (role "layer": Feature Map Mosaic)
 *                        -> Resample To Image      (role "slice": Slice representation, Z =
 * channel) port 1 -> spreadsheet view (channel table) port 2 -> line chart view (layer table:
 * entropy through the network)
 *
 * in a layout tab "CNN Slicer", with a Text source (role "caption") for the render view's corner
 * text. Every piece is a normal proxy the user can edit or delete; the panel finds the pieces
 * again through an annotation "CNNSlicer.Role" on each filter and on each view it made, so it
 * works the same after a state file is loaded and leaves views it did not make to their owners
 * (it only moves their layer and sample along).
 *
 * Why Resample To Image: the Slice representation takes one vtkImageData, while Extract Block
 * keeps a collection. Sampling exactly the layer's bounds with its W x H x C points puts every
 * sample on an input point, so the values are copied unchanged (tested).
 */
class pqCNNSlicerPipeline
{
public:
  explicit pqCNNSlicerPipeline(pqPipelineSource* reader);

  /// The reader above `source` (itself, or the first CNN Activations Reader upstream), or nullptr.
  static pqPipelineSource* findReader(pqPipelineSource* source);
  /// True for a proxy of the CNN Activations Reader.
  static bool isReader(pqPipelineSource* source);

  pqPipelineSource* reader() const { return this->Reader; }
  /// The entropy filter the panel uses: role "entropy", else the first CNN entropy filter
  /// (discrete or continuous) fed by the reader; nullptr if none.
  pqPipelineSource* entropyFilter() const { return this->Entropy; }
  /// Every CNN Entropy (Discrete/Continuous) fed by the reader (they all get the class filter).
  const QList<pqPipelineSource*>& entropyFilters() const { return this->EntropyFilters; }
  pqPipelineSource* layerBlock() const { return this->LayerBlock; }
  pqPipelineSource* channelSlice() const { return this->ChannelSlice; }
  /// The Text source whose corner text says what the render view shows (role "caption").
  pqPipelineSource* caption() const { return this->Caption; }
  pqView* renderView() const { return this->RenderView; }
  pqView* chartView() const { return this->ChartView; }
  pqView* spreadsheetView() const { return this->SpreadsheetView; }

  /// Looks up the pieces that exist now (after edits, deletions, state loading).
  void refresh();

  /**
   * Creates whatever piece is missing, shows everything in the "CNN Slicer" layout and applies
   * `selection`. One undo set. Returns an empty string, or a one-line message saying what is
   * wrong and what to do.
   */
  QString analyze(const pqCNNSlicerSelection& selection, const pqCNNSlicerData& data);

  /// Pushes `selection` into the pieces that exist (layer, channel, sample colouring, class
  /// filter, chart series, caption) and into other views of the reader and its entropy
  /// filters (a Feature Map Mosaic or Slice someone else made, e.g. a loaded state), and
  /// renders. Changes are undoable.
  void apply(const pqCNNSlicerSelection& selection, const pqCNNSlicerData& data);

  /**
   * The selection as the pipeline holds it now (layer from Extract Block, channel from the
   * slice, sample from the colour map's component, class from the entropy filter), starting
   * from `current` for what the pipeline does not hold. Used after undo/redo.
   */
  pqCNNSlicerSelection selectionFromPipeline(const pqCNNSlicerSelection& current,
                                             const pqCNNSlicerData& data) const;

  /// The render view's camera already shows `selection` (e.g. as a loaded state left it):
  /// the next apply() fits the camera only if the layer or display differs.
  void keepCamera(const pqCNNSlicerSelection& selection)
  {
    this->FittedCamera = cameraKey(selection);
  }

  /// Role annotation key and values on the filters the panel creates.
  static const char* RoleKey;

private:
  static QString cameraKey(const pqCNNSlicerSelection& selection);
  void applyLayer(const pqCNNSlicerLayer& layer);
  void applyDisplay(const pqCNNSlicerSelection& selection, const pqCNNSlicerData& data);
  void applyClasses(const pqCNNSlicerSelection& selection);
  void applyColorRange(vtkSMProxy* shown, const pqCNNSlicerSelection& selection);
  void applyCaption(const pqCNNSlicerSelection& selection, const pqCNNSlicerData& data);
  void applyChart(const pqCNNSlicerSelection& selection, const pqCNNSlicerData& data);
  /// Views the panel did not make: returns the views it changed (to be rendered).
  QList<pqView*> applyOtherViews(const pqCNNSlicerSelection& selection,
                                 const pqCNNSlicerData& data);
  void fitCamera(const pqCNNSlicerSelection& selection, const pqCNNSlicerData& data);
  /// A new proxy of `group`/`xmlName` fed by `input` (none when nullptr), registered as a
  /// pipeline source with annotation `role`.
  pqPipelineSource* createSource(pqServer* server,
                                 const char* group,
                                 const char* xmlName,
                                 pqPipelineSource* input,
                                 int port,
                                 const char* role,
                                 const QString& name);
  void createViews(pqServer* server);

  QPointer<pqPipelineSource> Reader;
  QPointer<pqPipelineSource> Entropy;
  QList<pqPipelineSource*> EntropyFilters;
  QPointer<pqPipelineSource> LayerBlock;
  QPointer<pqPipelineSource> ChannelSlice;
  QPointer<pqPipelineSource> Caption;
  QPointer<pqView> RenderView;
  QPointer<pqView> ChartView;
  QPointer<pqView> SpreadsheetView;
  /// Layer and display the render view's camera was last fitted to (reset only on change).
  QString FittedCamera;
};

#endif
