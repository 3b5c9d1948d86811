#ifndef pqCNNSlicerPanel_h
#define pqCNNSlicerPanel_h

#include "pqCNNSlicerData.h"
#include "pqCNNSlicerPipeline.h"

#include <QDockWidget>
#include <QList>
#include <QMetaObject>
#include <QPointer>
#include <QScopedPointer>
#include <QTimer>

#include <functional>

class pqAnimationScene;
class pqPipelineSource;
class QTreeWidgetItem;

namespace Ui
{
class pqCNNSlicerPanel;
}

/**
 * @class pqCNNSlicerPanel
 * @brief The "CNN Slicer" dock panel (Documentation/design.md section 4.3): drives
 * ParaView's own views through the CNN Activations Reader and the entropy filters.
 *
 * - Follows the active CNN Activations Reader (or the reader above the active filter), or the
 *   one picked in its combo box.
 * - Model tree from the reader output's data assembly (the module hierarchy): each layer with
 *   its type, output shape and a bar of its layer entropy when an entropy filter is below the
 *   reader (its layer table, port 2).
 * - Sample picker: index, label, prediction, confidence (reader port 1) and a thumbnail of the
 *   input image; buttons to step to the previous/next misclassified sample.
 * - Channel (Z slice), class (ClassSelection of the entropy filters), checkpoint (animation
 *   time), what the render view shows (channel slice or Feature Map Mosaic) and its colouring.
 * - "Analyze" builds reader -> CNN Entropy (Discrete) and a "CNN Slicer" layout with a render
 *   view, a line chart and a spreadsheet (pqCNNSlicerPipeline), in one undo set.
 *
 * The selection is stored as annotations on the reader proxy, so saved states (.pvsm) bring it
 * back; after undo/redo the panel reads it back from the pipeline.
 */
class pqCNNSlicerPanel : public QDockWidget
{
  Q_OBJECT
  /// The selected layer's name (e.g. "features.3"); also what GUI tests check.
  Q_PROPERTY(QString selectedLayer READ selectedLayer)
  typedef QDockWidget Superclass;

public:
  explicit pqCNNSlicerPanel(QWidget* parent = nullptr);
  ~pqCNNSlicerPanel() override;

  QString selectedLayer() const { return this->Selection.Layer; }

private Q_SLOTS:
  void updateReaderList();
  void followActiveSource(pqPipelineSource* source);
  void onReaderChosen(int index);
  void onSourceRemoved(pqPipelineSource* source);
  void onPipelineChanged();
  void reloadData();
  void reloadEntropy();
  void onLayerChosen();
  void onSampleChosen(int sample);
  void onCheckpointMoved(int index);
  void showAnimationTime();
  void analyze();
  /// Asks for the reader's dataset in a file dialog, sets DatasetFileName and applies it.
  void chooseDataset();
  void onStateLoaded();
  void onUndoRedo();

private:
  void setReader(pqPipelineSource* reader);
  void connectEntropyFilters();
  /// Selection -> widgets, without emitting their signals.
  void showSelection();
  /// Stores the selection on the reader and pushes it into the pipeline.
  void selectionChanged();
  /// A widget's change: `edit` updates the selection, which is then stored and applied.
  void change(const std::function<void()>& edit);
  /// Steps to the previous (-1) or next (+1) misclassified sample.
  void stepMisclassified(int direction);
  void rebuildTree();
  void updateEntropyColumn();
  void updateSampleInfo();
  void updateChannelRange();
  void updateCheckpoints();
  void setStatus(const QString& message);
  /// The reader's dataset (file name) beside the Choose button, or what to do without one.
  void updateDatasetInfo();
  pqAnimationScene* animationScene() const;
  void addTreeNode(QTreeWidgetItem* parent, int node);
  QTreeWidgetItem* addLayerItem(QTreeWidgetItem* parent,
                                const pqCNNSlicerLayer& layer,
                                const QString& label);

  QScopedPointer<Ui::pqCNNSlicerPanel> Ui;
  QPointer<pqPipelineSource> Reader;
  QScopedPointer<pqCNNSlicerPipeline> Pipeline;
  pqCNNSlicerData Data;
  bool HasData = false;
  pqCNNSlicerSelection Selection;
  QList<QMetaObject::Connection> ReaderConnections;
  QList<QMetaObject::Connection> EntropyConnections;
  QList<double> Checkpoints;
  /// Coalesces bursts of "data updated" signals into one reload.
  QTimer ReloadTimer;
  QTimer EntropyTimer;
  /// Guards against re-entering while the panel itself updates widgets or the pipeline.
  bool Busy = false;
};

#endif
