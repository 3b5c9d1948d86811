#include "pqCNNSlicerPanel.h"
#include "ui_pqCNNSlicerPanel.h"

#include "ModulePath.h"

#include <pqActiveObjects.h>
#include <pqAnimationScene.h>
#include <pqApplicationCore.h>
#include <pqCoreUtilities.h>
#include <pqFileDialog.h>
#include <pqPipelineSource.h>
#include <pqPropertiesPanel.h>
#include <pqServerManagerModel.h>
#include <pqUndoStack.h>

#include <vtkDataAssembly.h>
#include <vtkPVXMLElement.h> // for the stateLoaded signal's arguments
#include <vtkSMPropertyHelper.h>
#include <vtkSMProxyLocator.h>
#include <vtkSMSourceProxy.h>

#include <QBoxLayout>
#include <QFileInfo>
#include <QPainter>
#include <QPixmap>
#include <QScrollArea>
#include <QSignalBlocker>
#include <QStyledItemDelegate>
#include <QTreeWidgetItem>

#include <cmath>
#include <functional>

namespace
{
enum Column
{
  LayerColumn = 0,
  TypeColumn = 1,
  ShapeColumn = 2,
  EntropyColumn = 3
};
/// Item data: the layer name (column 0) and the layer entropy (entropy column).
const int LayerNameRole = Qt::UserRole;
const int EntropyRole = Qt::UserRole + 1;

/**
 * Paints the entropy column as a bar (value / largest layer entropy) under the number, so
 * that a glance down the tree shows where information is gained and lost.
 */
class EntropyBarDelegate : public QStyledItemDelegate
{
public:
  using QStyledItemDelegate::QStyledItemDelegate;
  double Maximum = 0.0;

  void paint(QPainter* painter,
             const QStyleOptionViewItem& option,
             const QModelIndex& index) const override
  {
    const QVariant value = index.data(EntropyRole);
    if (index.column() != EntropyColumn || !value.isValid() || !(this->Maximum > 0))
    {
      QStyledItemDelegate::paint(painter, option, index);
      return;
    }
    const double entropy = value.toDouble();
    const double fraction =
      std::isfinite(entropy) ? std::clamp(entropy / this->Maximum, 0.0, 1.0) : 0.0;
    QRect bar = option.rect.adjusted(2, 3, -2, -3);
    bar.setWidth(static_cast<int>(std::lround(bar.width() * fraction)));
    painter->save();
    painter->fillRect(bar, QColor(70, 130, 180, 150));
    painter->restore();
    QStyledItemDelegate::paint(painter, option, index);
  }
};

}

//-----------------------------------------------------------------------------
pqCNNSlicerPanel::pqCNNSlicerPanel(QWidget* parent)
  : Superclass(parent)
  , Ui(new Ui::pqCNNSlicerPanel())
{
  this->setWindowTitle(tr("CNN Slicer"));
  // Scrollable, so that the panel fits a small screen; the Analyze button and the status line
  // stay below the scroll area, always in reach.
  auto* frame = new QWidget(this);
  frame->setObjectName(QStringLiteral("panelFrame"));
  auto* frameLayout = new QVBoxLayout(frame);
  frameLayout->setContentsMargins(0, 0, 0, 0);
  auto* scroll = new QScrollArea(frame);
  scroll->setObjectName(QStringLiteral("scrollArea"));
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  auto* contents = new QWidget(scroll);
  this->Ui->setupUi(contents);
  scroll->setWidget(contents);
  frameLayout->addWidget(scroll, 1);
  for (QWidget* always : { static_cast<QWidget*>(this->Ui->statusLabel),
                           static_cast<QWidget*>(this->Ui->analyzeButton) })
  {
    this->Ui->mainLayout->removeWidget(always);
    always->setParent(frame);
    auto* row = new QHBoxLayout();
    row->setContentsMargins(9, 0, 9, 6);
    row->addWidget(always);
    frameLayout->addLayout(row);
  }
  this->setWidget(frame);
  this->Ui->layerTree->setItemDelegateForColumn(EntropyColumn, new EntropyBarDelegate(this));
  this->Ui->layerTree->header()->setStretchLastSection(true);
  this->Ui->sampleSlider->setMinimum(0);
  this->Ui->channelSpin->setMinimum(0);
  this->Ui->statusLabel->hide();

  this->ReloadTimer.setSingleShot(true);
  this->ReloadTimer.setInterval(0);
  this->EntropyTimer.setSingleShot(true);
  this->EntropyTimer.setInterval(0);
  QObject::connect(&this->ReloadTimer, &QTimer::timeout, this, &pqCNNSlicerPanel::reloadData);
  QObject::connect(&this->EntropyTimer, &QTimer::timeout, this, &pqCNNSlicerPanel::reloadEntropy);

  const auto& ui = *this->Ui;
  QObject::connect(ui.readerCombo,
                   QOverload<int>::of(&QComboBox::currentIndexChanged),
                   this,
                   &pqCNNSlicerPanel::onReaderChosen);
  QObject::connect(
    ui.layerTree, &QTreeWidget::currentItemChanged, this, &pqCNNSlicerPanel::onLayerChosen);
  QObject::connect(ui.sampleSpin,
                   QOverload<int>::of(&QSpinBox::valueChanged),
                   this,
                   &pqCNNSlicerPanel::onSampleChosen);
  QObject::connect(
    ui.sampleSlider, &QSlider::valueChanged, this, &pqCNNSlicerPanel::onSampleChosen);
  QObject::connect(ui.channelSpin,
                   QOverload<int>::of(&QSpinBox::valueChanged),
                   this,
                   [this](int channel)
                   { this->change([&]() { this->Selection.Channel = channel; }); });
  QObject::connect(
    ui.classCombo,
    QOverload<int>::of(&QComboBox::currentIndexChanged),
    this,
    [this](int index)
    {
      this->change([&]()
                   { this->Selection.ClassIndex = this->Ui->classCombo->itemData(index).toInt(); });
    });
  QObject::connect(ui.displayCombo,
                   QOverload<int>::of(&QComboBox::currentIndexChanged),
                   this,
                   [this](int index)
                   {
                     this->change(
                       [&]()
                       {
                         this->Selection.Show = index == 1
                                                  ? pqCNNSlicerSelection::Display::Mosaic
                                                  : pqCNNSlicerSelection::Display::ChannelSlice;
                         this->updateChannelRange();
                       });
                   });
  QObject::connect(ui.colorCombo,
                   QOverload<int>::of(&QComboBox::currentIndexChanged),
                   this,
                   [this](int index)
                   {
                     this->change(
                       [&]()
                       {
                         this->Selection.Color =
                           index == 1 ? pqCNNSlicerSelection::Coloring::NeuronEntropy
                                      : pqCNNSlicerSelection::Coloring::SampleActivation;
                         this->updateChannelRange();
                       });
                   });
  QObject::connect(ui.fitSampleCheck,
                   &QCheckBox::toggled,
                   this,
                   [this](bool checked)
                   { this->change([&]() { this->Selection.FitSampleRange = checked; }); });
  QObject::connect(ui.perClassCheck,
                   &QCheckBox::toggled,
                   this,
                   [this](bool checked)
                   { this->change([&]() { this->Selection.PerClassLines = checked; }); });
  QObject::connect(
    ui.checkpointSlider, &QSlider::valueChanged, this, &pqCNNSlicerPanel::onCheckpointMoved);
  QObject::connect(ui.previousMisclassified,
                   &QPushButton::clicked,
                   this,
                   [this]() { this->stepMisclassified(-1); });
  QObject::connect(
    ui.nextMisclassified, &QPushButton::clicked, this, [this]() { this->stepMisclassified(+1); });
  QObject::connect(ui.analyzeButton, &QPushButton::clicked, this, &pqCNNSlicerPanel::analyze);
  QObject::connect(ui.datasetButton, &QPushButton::clicked, this, &pqCNNSlicerPanel::chooseDataset);

  pqApplicationCore* core = pqApplicationCore::instance();
  pqServerManagerModel* model = core->getServerManagerModel();
  QObject::connect(
    model, &pqServerManagerModel::sourceAdded, this, &pqCNNSlicerPanel::updateReaderList);
  QObject::connect(
    model, &pqServerManagerModel::sourceRemoved, this, &pqCNNSlicerPanel::onSourceRemoved);
  QObject::connect(
    model, &pqServerManagerModel::nameChanged, this, &pqCNNSlicerPanel::updateReaderList);
  QObject::connect(model,
                   QOverload<pqPipelineSource*, pqPipelineSource*, int>::of(
                     &pqServerManagerModel::connectionAdded),
                   this,
                   &pqCNNSlicerPanel::onPipelineChanged);
  QObject::connect(model,
                   QOverload<pqPipelineSource*, pqPipelineSource*, int>::of(
                     &pqServerManagerModel::connectionRemoved),
                   this,
                   &pqCNNSlicerPanel::onPipelineChanged);
  QObject::connect(&pqActiveObjects::instance(),
                   &pqActiveObjects::sourceChanged,
                   this,
                   &pqCNNSlicerPanel::followActiveSource);
  QObject::connect(core, &pqApplicationCore::stateLoaded, this, &pqCNNSlicerPanel::onStateLoaded);
  if (pqUndoStack* undo = core->getUndoStack())
  {
    QObject::connect(undo, &pqUndoStack::undone, this, &pqCNNSlicerPanel::onUndoRedo);
    QObject::connect(undo, &pqUndoStack::redone, this, &pqCNNSlicerPanel::onUndoRedo);
  }
  // The animation scene (time = checkpoint) comes with each server connection.
  QObject::connect(model,
                   &pqServerManagerModel::proxyAdded,
                   this,
                   [this](pqProxy* proxy)
                   {
                     if (auto* scene = qobject_cast<pqAnimationScene*>(proxy))
                     {
                       QObject::connect(scene,
                                        &pqAnimationScene::animationTime,
                                        this,
                                        &pqCNNSlicerPanel::showAnimationTime,
                                        Qt::UniqueConnection);
                     }
                   });
  for (pqAnimationScene* scene : model->findItems<pqAnimationScene*>())
  {
    QObject::connect(scene,
                     &pqAnimationScene::animationTime,
                     this,
                     &pqCNNSlicerPanel::showAnimationTime,
                     Qt::UniqueConnection);
  }

  this->updateReaderList();
  this->followActiveSource(pqActiveObjects::instance().activeSource());
}

pqCNNSlicerPanel::~pqCNNSlicerPanel() = default;

//-----------------------------------------------------------------------------
void pqCNNSlicerPanel::setStatus(const QString& message)
{
  this->Ui->statusLabel->setText(message);
  this->Ui->statusLabel->setVisible(!message.isEmpty());
}

void pqCNNSlicerPanel::updateDatasetInfo()
{
  const bool reader = this->Reader != nullptr;
  this->Ui->datasetButton->setEnabled(reader);
  QString path;
  if (reader)
  {
    path = QString::fromStdString(
      vtkSMPropertyHelper(this->Reader->getProxy(), "DatasetFileName").GetAsString());
  }
  if (path.isEmpty())
  {
    this->Ui->datasetInfo->setText(reader ? tr("none: choose the data the model runs on")
                                          : QString());
    this->Ui->datasetInfo->setToolTip(QString());
    return;
  }
  this->Ui->datasetInfo->setText(QFileInfo(path).fileName());
  this->Ui->datasetInfo->setToolTip(path);
}

void pqCNNSlicerPanel::chooseDataset()
{
  if (!this->Reader)
  {
    return;
  }
  vtkSMProxy* reader = this->Reader->getProxy();
  const QString current =
    QString::fromStdString(vtkSMPropertyHelper(reader, "DatasetFileName").GetAsString());
  // Datasets are files (IDX, a CIFAR-10 batch, .npy) or folders (MNIST, CIFAR-10, class
  // sub-folders of images): the dialog takes either, on the server's file system.
  pqFileDialog dialog(this->Reader->getServer(),
                      pqCoreUtilities::mainWidget(),
                      tr("Dataset for %1").arg(this->Reader->getSMName()),
                      current.isEmpty() ? QString() : QFileInfo(current).absolutePath(),
                      tr("Datasets (*.gz *-ubyte *.bin *.npy);;All files (*)"),
                      false);
  dialog.setObjectName(QStringLiteral("CNNSlicerDatasetDialog"));
  dialog.setFileMode(pqFileDialog::ExistingFilesAndDirectories);
  if (dialog.exec() != QDialog::Accepted || dialog.getSelectedFiles().isEmpty())
  {
    return;
  }
  vtkSMPropertyHelper(reader, "DatasetFileName")
    .Set(dialog.getSelectedFiles().first().toUtf8().constData());
  this->updateDatasetInfo();
  // Apply, as the Properties panel's button does, so that the model runs now: choosing the
  // data is the last step between File > Open and a loaded model.
  // A reader never applied stays UNINITIALIZED, which is what makes Apply show it in a view.
  if (this->Reader->modifiedState() == pqProxy::UNMODIFIED)
  {
    this->Reader->setModifiedState(pqProxy::MODIFIED);
  }
  if (auto* properties = pqCoreUtilities::mainWidget()->findChild<pqPropertiesPanel*>())
  {
    properties->apply();
  }
}

void pqCNNSlicerPanel::updateReaderList()
{
  QComboBox* combo = this->Ui->readerCombo;
  const QSignalBlocker blocker(combo);
  combo->clear();
  const auto sources =
    pqApplicationCore::instance()->getServerManagerModel()->findItems<pqPipelineSource*>();
  for (pqPipelineSource* source : sources)
  {
    if (pqCNNSlicerPipeline::isReader(source))
    {
      combo->addItem(source->getSMName(), QVariant::fromValue<void*>(source));
    }
  }
  const int current = combo->findData(QVariant::fromValue<void*>(this->Reader.data()));
  combo->setCurrentIndex(current);
  if (!this->Reader && combo->count() > 0)
  {
    // A reader appeared (e.g. File > Open): show it.
    combo->setCurrentIndex(0);
    this->setReader(static_cast<pqPipelineSource*>(combo->itemData(0).value<void*>()));
  }
  if (combo->count() == 0)
  {
    this->setStatus(tr("Open a TorchScript model (.pt) with File > Open, choose its dataset "
                       "and press Apply."));
  }
}

void pqCNNSlicerPanel::followActiveSource(pqPipelineSource* source)
{
  if (pqPipelineSource* reader = pqCNNSlicerPipeline::findReader(source))
  {
    if (reader != this->Reader)
    {
      this->setReader(reader);
    }
  }
}

void pqCNNSlicerPanel::onReaderChosen(int index)
{
  if (index >= 0)
  {
    this->setReader(
      static_cast<pqPipelineSource*>(this->Ui->readerCombo->itemData(index).value<void*>()));
  }
}

void pqCNNSlicerPanel::onSourceRemoved(pqPipelineSource* source)
{
  if (source == this->Reader)
  {
    this->setReader(nullptr);
  }
  this->updateReaderList();
  this->onPipelineChanged();
}

void pqCNNSlicerPanel::setReader(pqPipelineSource* reader)
{
  for (const QMetaObject::Connection& connection : this->ReaderConnections)
  {
    QObject::disconnect(connection);
  }
  this->ReaderConnections.clear();
  this->Reader = reader;
  this->Pipeline.reset(reader ? new pqCNNSlicerPipeline(reader) : nullptr);
  this->HasData = false;
  {
    const QSignalBlocker blocker(this->Ui->readerCombo);
    this->Ui->readerCombo->setCurrentIndex(
      this->Ui->readerCombo->findData(QVariant::fromValue<void*>(reader)));
  }
  this->Selection = pqCNNSlicerSelection();
  if (reader)
  {
    if (this->Selection.load(reader->getProxy()))
    {
      // A selection saved with the pipeline (state file): the views already show it.
      this->Pipeline->keepCamera(this->Selection);
    }
    this->ReaderConnections << QObject::connect(
      reader,
      QOverload<pqPipelineSource*>::of(&pqPipelineSource::dataUpdated),
      this,
      [this](pqPipelineSource*) { this->ReloadTimer.start(); });
  }
  this->connectEntropyFilters();
  this->reloadData();
}

void pqCNNSlicerPanel::connectEntropyFilters()
{
  for (const QMetaObject::Connection& connection : this->EntropyConnections)
  {
    QObject::disconnect(connection);
  }
  this->EntropyConnections.clear();
  if (!this->Pipeline)
  {
    return;
  }
  this->Pipeline->refresh();
  if (pqPipelineSource* entropy = this->Pipeline->entropyFilter())
  {
    this->EntropyConnections << QObject::connect(
      entropy,
      QOverload<pqPipelineSource*>::of(&pqPipelineSource::dataUpdated),
      this,
      [this](pqPipelineSource*) { this->EntropyTimer.start(); });
  }
}

void pqCNNSlicerPanel::onPipelineChanged()
{
  this->connectEntropyFilters();
  this->EntropyTimer.start();
}

//-----------------------------------------------------------------------------
void pqCNNSlicerPanel::reloadData()
{
  if (this->Busy)
  {
    return;
  }
  this->Busy = true;
  this->HasData = false;
  QString problem;
  if (!this->Reader)
  {
    this->Data = pqCNNSlicerData();
  }
  else
  {
    // Only what the pipeline has produced: the panel never runs a reader on its own (that
    // happens on Apply, Analyze or when a state is loaded).
    vtkSMSourceProxy* reader = this->Reader->getSourceProxy();
    this->HasData = this->Data.read(
      pqCNNSlicerData::fetch(reader, 0), pqCNNSlicerData::fetch(reader, 1), problem);
  }
  this->Busy = false;

  if (this->HasData)
  {
    // Fill in what the stored selection does not name (a reader seen for the first time).
    if (!this->Data.layer(this->Selection.Layer))
    {
      this->Selection.Layer = this->Data.layers().first().Name;
      for (const pqCNNSlicerLayer& layer : this->Data.layers())
      {
        if (layer.Name != QLatin1String("input") && layer.Width * layer.Height > 1)
        {
          this->Selection.Layer = layer.Name;
          break;
        }
      }
    }
    this->Selection.Sample =
      std::clamp(this->Selection.Sample, 0, std::max(0, this->Data.sampleCount() - 1));
    this->Selection.store(this->Reader->getProxy());
  }
  this->setStatus(problem);
  this->updateDatasetInfo();
  this->rebuildTree();
  this->updateCheckpoints();
  this->showSelection();
  this->reloadEntropy();
}

void pqCNNSlicerPanel::reloadEntropy()
{
  if (this->Busy)
  {
    return;
  }
  this->Data.clearLayerEntropy();
  pqPipelineSource* entropy = this->Pipeline ? this->Pipeline->entropyFilter() : nullptr;
  if (entropy && entropy->modifiedState() == pqProxy::UNMODIFIED)
  {
    this->Data.readLayerEntropy(pqCNNSlicerData::fetch(entropy->getSourceProxy(), 2));
  }
  this->updateEntropyColumn();
}

//-----------------------------------------------------------------------------
QTreeWidgetItem* pqCNNSlicerPanel::addLayerItem(QTreeWidgetItem* parent,
                                                const pqCNNSlicerLayer& layer,
                                                const QString& label)
{
  auto* item = parent ? new QTreeWidgetItem(parent) : new QTreeWidgetItem(this->Ui->layerTree);
  item->setText(LayerColumn, label);
  item->setText(TypeColumn, layer.Type);
  item->setText(ShapeColumn, layer.Shape);
  item->setData(LayerColumn, LayerNameRole, layer.Name);
  item->setToolTip(LayerColumn,
                   tr("%1: %2, output %3 (%4 channels of %5 x %6)")
                     .arg(layer.Name, layer.Type, layer.Shape)
                     .arg(layer.Channels)
                     .arg(layer.Height)
                     .arg(layer.Width));
  return item;
}

void pqCNNSlicerPanel::addTreeNode(QTreeWidgetItem* parent, int node)
{
  vtkDataAssembly* assembly = this->Data.assembly();
  const std::vector<unsigned int> datasets = assembly->GetDataSetIndices(node, false);
  const std::vector<int> children = assembly->GetChildNodes(node, false);
  auto layerAt = [this](unsigned int position) -> const pqCNNSlicerLayer*
  {
    for (const pqCNNSlicerLayer& layer : this->Data.layers())
    {
      if (layer.Position == static_cast<int>(position))
      {
        return &layer;
      }
    }
    return nullptr;
  };
  const QString name =
    QString::fromStdString(cnnslicer::moduleNameOfNode(assembly->GetNodeName(node)));
  const pqCNNSlicerLayer* only = datasets.size() == 1 ? layerAt(datasets[0]) : nullptr;
  if (only && children.empty())
  {
    // A leaf module called once: the node is the layer.
    this->addLayerItem(parent, *only, name);
    return;
  }
  // A container module, or a module called several times (relu, relu#1): a group.
  auto* group = parent ? new QTreeWidgetItem(parent) : new QTreeWidgetItem(this->Ui->layerTree);
  group->setText(LayerColumn, name);
  group->setFlags(group->flags() & ~Qt::ItemIsSelectable);
  for (unsigned int position : datasets)
  {
    if (const pqCNNSlicerLayer* layer = layerAt(position))
    {
      this->addLayerItem(group, *layer, layer->Name);
    }
  }
  for (int child : children)
  {
    this->addTreeNode(group, child);
  }
}

void pqCNNSlicerPanel::rebuildTree()
{
  QTreeWidget* tree = this->Ui->layerTree;
  const QSignalBlocker blocker(tree);
  tree->clear();
  if (!this->HasData)
  {
    return;
  }
  vtkDataAssembly* assembly = this->Data.assembly();
  if (assembly)
  {
    // The root node is the network itself: its modules are the top-level items.
    const int root = vtkDataAssembly::GetRootNode();
    for (unsigned int position : assembly->GetDataSetIndices(root, false))
    {
      for (const pqCNNSlicerLayer& layer : this->Data.layers())
      {
        if (layer.Position == static_cast<int>(position))
        {
          this->addLayerItem(nullptr, layer, layer.Name);
        }
      }
    }
    for (int child : assembly->GetChildNodes(root, false))
    {
      this->addTreeNode(nullptr, child);
    }
  }
  else
  {
    for (const pqCNNSlicerLayer& layer : this->Data.layers())
    {
      this->addLayerItem(nullptr, layer, layer.Name);
    }
  }
  tree->expandAll();
  for (int column = 0; column < EntropyColumn; ++column)
  {
    tree->resizeColumnToContents(column);
  }
}

void pqCNNSlicerPanel::updateEntropyColumn()
{
  auto* delegate =
    static_cast<EntropyBarDelegate*>(this->Ui->layerTree->itemDelegateForColumn(EntropyColumn));
  delegate->Maximum = this->Data.maximumLayerEntropy();
  const bool known = this->Data.hasLayerEntropy();
  this->Ui->layerTree->headerItem()->setText(
    EntropyColumn, known ? tr("Entropy (%1)").arg(this->Data.entropyUnit()) : tr("Entropy"));
  for (QTreeWidgetItemIterator it(this->Ui->layerTree); *it; ++it)
  {
    QTreeWidgetItem* item = *it;
    const QString layer = item->data(LayerColumn, LayerNameRole).toString();
    const double entropy = this->Data.layerEntropy(layer);
    if (layer.isEmpty() || !known || std::isnan(entropy))
    {
      item->setText(EntropyColumn, QString());
      item->setData(EntropyColumn, EntropyRole, QVariant());
      continue;
    }
    item->setText(EntropyColumn, QString::number(entropy, 'f', 2));
    item->setData(EntropyColumn, EntropyRole, entropy);
  }
  this->Ui->layerTree->viewport()->update();
}

//-----------------------------------------------------------------------------
void pqCNNSlicerPanel::showSelection()
{
  auto& ui = *this->Ui;
  const bool busy = this->Busy;
  this->Busy = true;
  const bool enabled = this->HasData;
  for (QWidget* widget : { static_cast<QWidget*>(ui.layerTree),
                           static_cast<QWidget*>(ui.sampleGroup),
                           static_cast<QWidget*>(ui.viewGroup),
                           static_cast<QWidget*>(ui.analyzeButton) })
  {
    widget->setEnabled(enabled);
  }

  // Layer.
  ui.layerTree->setCurrentItem(nullptr);
  for (QTreeWidgetItemIterator it(ui.layerTree); *it; ++it)
  {
    if ((*it)->data(LayerColumn, LayerNameRole).toString() == this->Selection.Layer &&
        !this->Selection.Layer.isEmpty())
    {
      ui.layerTree->setCurrentItem(*it);
      break;
    }
  }
  // Sample.
  const int last = std::max(0, this->Data.sampleCount() - 1);
  ui.sampleSpin->setMaximum(last);
  ui.sampleSlider->setMaximum(last);
  ui.sampleSpin->setValue(this->Selection.Sample);
  ui.sampleSlider->setValue(this->Selection.Sample);
  // Classes.
  ui.classCombo->clear();
  ui.classCombo->addItem(tr("All classes"), -1);
  for (int k = 0; k < this->Data.classNames().size(); ++k)
  {
    ui.classCombo->addItem(this->Data.className(k), k);
  }
  ui.classCombo->setCurrentIndex(std::max(0, ui.classCombo->findData(this->Selection.ClassIndex)));
  ui.displayCombo->setCurrentIndex(
    this->Selection.Show == pqCNNSlicerSelection::Display::Mosaic ? 1 : 0);
  ui.colorCombo->setCurrentIndex(
    this->Selection.Color == pqCNNSlicerSelection::Coloring::NeuronEntropy ? 1 : 0);
  ui.perClassCheck->setChecked(this->Selection.PerClassLines);
  ui.fitSampleCheck->setChecked(this->Selection.FitSampleRange);
  this->updateChannelRange();
  this->updateSampleInfo();
  this->showAnimationTime();
  this->Busy = busy;
}

void pqCNNSlicerPanel::updateChannelRange()
{
  const pqCNNSlicerLayer* layer = this->Data.layer(this->Selection.Layer);
  const int channels = layer ? layer->Channels : 1;
  this->Selection.Channel = std::clamp(this->Selection.Channel, 0, channels - 1);
  const QSignalBlocker blocker(this->Ui->channelSpin);
  this->Ui->channelSpin->setMaximum(channels - 1);
  this->Ui->channelSpin->setValue(this->Selection.Channel);
  this->Ui->channelInfo->setText(tr("of %1").arg(channels));
  // The mosaic shows every channel at once; entropy has no samples to compare.
  this->Ui->channelSpin->setEnabled(this->Selection.Show ==
                                    pqCNNSlicerSelection::Display::ChannelSlice);
  this->Ui->fitSampleCheck->setEnabled(this->Selection.Color ==
                                       pqCNNSlicerSelection::Coloring::SampleActivation);
}

void pqCNNSlicerPanel::updateSampleInfo()
{
  const int n = this->Selection.Sample;
  if (!this->HasData || this->Data.sampleCount() == 0)
  {
    this->Ui->sampleInfo->clear();
    this->Ui->thumbnail->clear();
    return;
  }
  const int label = this->Data.label(n);
  const int prediction = this->Data.prediction(n);
  QString text = tr("Dataset image %1\nlabel %2, predicted %3")
                   .arg(this->Data.datasetIndex(n))
                   .arg(this->Data.className(label), this->Data.className(prediction));
  if (std::isfinite(this->Data.confidence(n)))
  {
    text += tr(" (%1%)").arg(100.0 * this->Data.confidence(n), 0, 'f', 1);
  }
  if (label >= 0)
  {
    text += this->Data.misclassified(n) ? tr("\nmisclassified") : tr("\ncorrect");
  }
  this->Ui->sampleInfo->setText(text);
  this->Ui->sampleInfo->setStyleSheet(
    this->Data.misclassified(n) ? QStringLiteral("color: #b03020;") : QString());

  const QImage image = this->Data.inputImage(n);
  if (image.isNull())
  {
    this->Ui->thumbnail->setText(tr("no input\nlayer"));
  }
  else
  {
    // Nearest-neighbour scaling keeps the pixels of a 28 x 28 digit visible.
    this->Ui->thumbnail->setPixmap(QPixmap::fromImage(image.scaled(
      this->Ui->thumbnail->size() - QSize(4, 4), Qt::KeepAspectRatio, Qt::FastTransformation)));
  }
}

//-----------------------------------------------------------------------------
void pqCNNSlicerPanel::selectionChanged()
{
  if (!this->Reader || !this->HasData)
  {
    return;
  }
  this->Selection.store(this->Reader->getProxy());
  this->Busy = true;
  this->Pipeline->apply(this->Selection, this->Data);
  this->Busy = false;
  this->EntropyTimer.start();
}

void pqCNNSlicerPanel::onLayerChosen()
{
  QTreeWidgetItem* item = this->Ui->layerTree->currentItem();
  const QString layer = item ? item->data(LayerColumn, LayerNameRole).toString() : QString();
  if (this->Busy || layer.isEmpty() || layer == this->Selection.Layer)
  {
    return;
  }
  this->Selection.Layer = layer;
  this->updateChannelRange();
  this->selectionChanged();
}

void pqCNNSlicerPanel::onSampleChosen(int sample)
{
  if (this->Busy)
  {
    return;
  }
  this->Selection.Sample = sample;
  {
    const QSignalBlocker spin(this->Ui->sampleSpin);
    const QSignalBlocker slider(this->Ui->sampleSlider);
    this->Ui->sampleSpin->setValue(sample);
    this->Ui->sampleSlider->setValue(sample);
  }
  this->updateSampleInfo();
  this->selectionChanged();
}

void pqCNNSlicerPanel::change(const std::function<void()>& edit)
{
  // Widgets the panel sets itself (showSelection) change nothing.
  if (!this->Busy)
  {
    edit();
    this->selectionChanged();
  }
}

void pqCNNSlicerPanel::stepMisclassified(int direction)
{
  const int classIndex = this->Selection.ClassIndex;
  const int sample = this->Data.nextMisclassified(this->Selection.Sample, direction, classIndex);
  if (sample < 0)
  {
    this->setStatus(
      classIndex < 0
        ? tr("No misclassified sample.")
        : tr("No misclassified sample of class %1.").arg(this->Data.className(classIndex)));
    return;
  }
  this->setStatus(QString());
  this->onSampleChosen(sample);
}

//-----------------------------------------------------------------------------
pqAnimationScene* pqCNNSlicerPanel::animationScene() const
{
  // pqCore's own lookup (pqPVApplicationCore's animation manager lives in a library that
  // pvpython does not load, and the plugin loads there too).
  if (!this->Reader)
  {
    return nullptr;
  }
  const auto scenes =
    pqApplicationCore::instance()->getServerManagerModel()->findItems<pqAnimationScene*>(
      this->Reader->getServer());
  return scenes.isEmpty() ? nullptr : scenes.first();
}

void pqCNNSlicerPanel::updateCheckpoints()
{
  this->Checkpoints.clear();
  if (this->Reader)
  {
    // As ParaView last updated the reader's information (UpdatePropertyInformation here
    // would refresh the layer list's domain and mark the reader modified).
    vtkSMPropertyHelper times(this->Reader->getProxy(), "TimestepValues", true);
    for (unsigned int i = 0; i < times.GetNumberOfElements(); ++i)
    {
      this->Checkpoints << times.GetAsDouble(i);
    }
  }
  const QSignalBlocker blocker(this->Ui->checkpointSlider);
  this->Ui->checkpointSlider->setMaximum(std::max(0, int(this->Checkpoints.size()) - 1));
  this->Ui->checkpointSlider->setEnabled(this->Checkpoints.size() > 1);
}

void pqCNNSlicerPanel::showAnimationTime()
{
  if (this->Checkpoints.size() < 2)
  {
    this->Ui->checkpointInfo->setText(tr("one model"));
    return;
  }
  double time = this->Checkpoints.first();
  if (pqAnimationScene* scene = this->animationScene())
  {
    time = scene->getAnimationTime();
  }
  // The checkpoint the reader shows: the last one at or before the time.
  int index = 0;
  for (int i = 0; i < this->Checkpoints.size(); ++i)
  {
    if (this->Checkpoints[i] <= time + 1e-9)
    {
      index = i;
    }
  }
  const QSignalBlocker blocker(this->Ui->checkpointSlider);
  this->Ui->checkpointSlider->setValue(index);
  this->Ui->checkpointInfo->setText(tr("epoch %1 (%2 of %3)")
                                      .arg(this->Checkpoints[index])
                                      .arg(index + 1)
                                      .arg(this->Checkpoints.size()));
}

void pqCNNSlicerPanel::onCheckpointMoved(int index)
{
  if (index < 0 || index >= this->Checkpoints.size())
  {
    return;
  }
  if (pqAnimationScene* scene = this->animationScene())
  {
    scene->setAnimationTime(this->Checkpoints[index]);
  }
  this->showAnimationTime();
}

//-----------------------------------------------------------------------------
void pqCNNSlicerPanel::analyze()
{
  if (!this->Reader)
  {
    this->setStatus(tr("Open a TorchScript model (.pt) with File > Open first."));
    return;
  }
  if (this->Reader->modifiedState() != pqProxy::UNMODIFIED)
  {
    this->setStatus(tr("The reader has changes that are not applied: press Apply in the "
                       "Properties panel, then Analyze."));
    return;
  }
  if (!this->HasData)
  {
    this->reloadData();
    if (!this->HasData)
    {
      return;
    }
  }
  this->Selection.store(this->Reader->getProxy());
  this->Busy = true;
  const QString problem = this->Pipeline->analyze(this->Selection, this->Data);
  this->Busy = false;
  this->setStatus(problem);
  this->connectEntropyFilters();
  this->reloadEntropy();
}

void pqCNNSlicerPanel::onStateLoaded()
{
  // A loaded state brings its readers, their stored selection and the views that show it.
  // Its pipeline is brought up to date here, so that the panel has data to show even where
  // no view has rendered the reader yet.
  this->setReader(nullptr);
  this->updateReaderList();
  this->followActiveSource(pqActiveObjects::instance().activeSource());
  if (this->Reader && this->Reader->modifiedState() == pqProxy::UNMODIFIED)
  {
    this->Busy = true;
    this->Reader->updatePipeline();
    if (pqPipelineSource* entropy = this->Pipeline->entropyFilter())
    {
      entropy->updatePipeline();
    }
    this->Busy = false;
    this->reloadData();
  }
}

void pqCNNSlicerPanel::onUndoRedo()
{
  if (!this->Pipeline || !this->HasData)
  {
    return;
  }
  this->Pipeline->refresh();
  this->Selection = this->Pipeline->selectionFromPipeline(this->Selection, this->Data);
  this->Selection.store(this->Reader->getProxy());
  this->showSelection();
  this->connectEntropyFilters();
  this->EntropyTimer.start();
}
