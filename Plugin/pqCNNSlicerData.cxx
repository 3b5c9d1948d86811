#include "pqCNNSlicerData.h"

#include "DataModelNames.h"
#include "vtkCNNLayerCollection.h"

#include <pqUndoStack.h>

#include <vtkAbstractArray.h>
#include <vtkCompositeDataSet.h>
#include <vtkDataArray.h>
#include <vtkDataAssembly.h>
#include <vtkFieldData.h>
#include <vtkImageData.h>
#include <vtkInformation.h>
#include <vtkPVDataMover.h>
#include <vtkPartitionedDataSetCollection.h>
#include <vtkPointData.h>
#include <vtkSMPropertyHelper.h>
#include <vtkSMSessionProxyManager.h>
#include <vtkSMSourceProxy.h>
#include <vtkStringArray.h>
#include <vtkTable.h>
#include <vtkVariant.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace names = cnnslicer::names;

namespace
{
/// A table column (or field-data array) as integers, `fallback` where it is missing.
QVector<int> integers(vtkAbstractArray* array, vtkIdType count, int fallback)
{
  QVector<int> values(static_cast<int>(count), fallback);
  if (array)
  {
    const vtkIdType available = std::min(count, array->GetNumberOfValues());
    for (vtkIdType i = 0; i < available; ++i)
    {
      values[static_cast<int>(i)] = array->GetVariantValue(i).ToInt();
    }
  }
  return values;
}
}

vtkSmartPointer<vtkDataObject> pqCNNSlicerData::fetch(vtkSMSourceProxy* producer, int port)
{
  if (!producer || port >= static_cast<int>(producer->GetNumberOfOutputPorts()))
  {
    return nullptr;
  }
  vtkSMSessionProxyManager* proxies = producer->GetSessionProxyManager();
  vtkSmartPointer<vtkSMProxy> mover;
  mover.TakeReference(proxies->NewProxy("misc", "DataMover"));
  if (!mover)
  {
    return nullptr;
  }
  // Reading is not an action the user could undo: keep the helper proxy off the undo stack.
  BEGIN_UNDO_EXCLUDE();
  vtkSMPropertyHelper(mover, "Producer").Set(producer);
  vtkSMPropertyHelper(mover, "PortNumber").Set(port);
  mover->UpdateVTKObjects();
  mover->InvokeCommand("Execute");
  END_UNDO_EXCLUDE();
  auto* moved = vtkPVDataMover::SafeDownCast(mover->GetClientSideObject());
  if (!moved || moved->GetNumberOfDataSets() == 0)
  {
    return nullptr;
  }
  return moved->GetDataSetAtIndex(0);
}

bool pqCNNSlicerData::read(vtkDataObject* activations, vtkDataObject* samples, QString& problem)
{
  *this = pqCNNSlicerData();
  auto* collection = vtkPartitionedDataSetCollection::SafeDownCast(activations);
  if (!collection || collection->GetNumberOfPartitionedDataSets() == 0)
  {
    problem = QStringLiteral("The reader has no output yet: choose its dataset above (or in "
                             "the Properties panel, then Apply).");
    return false;
  }
  this->Assembly = collection->GetDataAssembly();
  // The one walk over the reader's output (Documentation/design.md section 2.3); the panel
  // lists one entry per network layer, the first volume of each partitioned dataset.
  std::vector<vtkCNNLayerBlock> volumes;
  std::vector<std::string> skipped;
  vtkCNNLayerCollection::Collect(collection, volumes, skipped);
  for (const vtkCNNLayerBlock& found : volumes)
  {
    const int position = static_cast<int>(found.Block);
    if (!this->Layers.isEmpty() && this->Layers.back().Position == position)
    {
      continue;
    }
    vtkImageData* volume = found.Image;
    pqCNNSlicerLayer layer;
    layer.Position = position;
    layer.Name = QString::fromStdString(found.LayerName);
    layer.Type = QString::fromStdString(found.LayerType);
    layer.Shape = QString::fromStdString(found.OutputShape);
    int dimensions[3];
    volume->GetDimensions(dimensions);
    layer.Width = dimensions[0];
    layer.Height = dimensions[1];
    layer.Channels = dimensions[2];
    volume->GetBounds(layer.Bounds);
    if (layer.Name == QLatin1String("input") && !this->Input)
    {
      this->Input = volume;
    }
    this->Layers.push_back(layer);
  }
  if (this->Layers.isEmpty())
  {
    problem = QStringLiteral("The reader's output holds no activation volume: choose at least "
                             "one layer in its Layers list and press Apply.");
    return false;
  }

  vtkFieldData* collectionFields = collection->GetFieldData();
  if (auto* classNames = vtkStringArray::SafeDownCast(
        collectionFields ? collectionFields->GetAbstractArray(names::ClassNames) : nullptr))
  {
    for (vtkIdType k = 0; k < classNames->GetNumberOfValues(); ++k)
    {
      this->ClassNames << QString::fromStdString(classNames->GetValue(k));
    }
  }

  // Port 1 is one row per sample; the collection's field data carry the same labels and
  // predictions, which serve when port 1 is not available.
  auto* table = vtkTable::SafeDownCast(samples);
  vtkIdType count = table ? table->GetNumberOfRows() : 0;
  vtkAbstractArray* labels = table ? table->GetColumnByName(names::Label) : nullptr;
  vtkAbstractArray* predictions = table ? table->GetColumnByName(names::Prediction) : nullptr;
  vtkAbstractArray* ids = table ? table->GetColumnByName(names::SampleId) : nullptr;
  if (!table && collectionFields && collectionFields->GetAbstractArray(names::Label))
  {
    labels = collectionFields->GetAbstractArray(names::Label);
    predictions = collectionFields->GetAbstractArray(names::Prediction);
    ids = collectionFields->GetAbstractArray(names::SampleId);
    count = labels->GetNumberOfValues();
  }
  this->Labels = integers(labels, count, -1);
  this->Predictions = integers(predictions, count, -1);
  this->DatasetIndices = integers(ids, count, 0);
  if (!ids)
  {
    std::iota(this->DatasetIndices.begin(), this->DatasetIndices.end(), 0);
  }
  this->Confidences = QVector<double>(static_cast<int>(count), std::nan(""));
  if (auto* confidences =
        vtkDataArray::SafeDownCast(table ? table->GetColumnByName(names::Confidence) : nullptr))
  {
    for (vtkIdType i = 0; i < std::min(count, confidences->GetNumberOfTuples()); ++i)
    {
      this->Confidences[static_cast<int>(i)] = confidences->GetTuple1(i);
    }
  }

  // Class names: from the model, else the class numbers seen in labels and predictions.
  if (this->ClassNames.isEmpty())
  {
    int highest = -1;
    for (int i = 0; i < this->Labels.size(); ++i)
    {
      highest = std::max({ highest, this->Labels[i], this->Predictions[i] });
    }
    for (int k = 0; k <= highest; ++k)
    {
      this->ClassNames << QString::number(k);
    }
  }
  return true;
}

void pqCNNSlicerData::clearLayerEntropy()
{
  this->EntropyByLayer.clear();
  this->MaximumEntropy = 0.0;
  this->EntropyUnit = QStringLiteral("bits");
}

void pqCNNSlicerData::readLayerEntropy(vtkDataObject* layerTable)
{
  this->clearLayerEntropy();
  auto* table = vtkTable::SafeDownCast(layerTable);
  vtkAbstractArray* layerNames = table ? table->GetColumnByName(names::LayerName) : nullptr;
  auto* entropy =
    vtkDataArray::SafeDownCast(table ? table->GetColumnByName(names::Entropy) : nullptr);
  if (!layerNames || !entropy)
  {
    return;
  }
  for (vtkIdType row = 0; row < table->GetNumberOfRows(); ++row)
  {
    const double value = entropy->GetTuple1(row);
    this->EntropyByLayer.insert(QString::fromStdString(layerNames->GetVariantValue(row).ToString()),
                                value);
    if (std::isfinite(value))
    {
      this->MaximumEntropy = std::max(this->MaximumEntropy, value);
    }
  }
  const QString unit =
    QString::fromStdString(vtkCNNLayerCollection::FieldString(table->GetFieldData(), names::Unit));
  if (!unit.isEmpty())
  {
    this->EntropyUnit = unit;
  }
}

const pqCNNSlicerLayer* pqCNNSlicerData::layer(const QString& name) const
{
  for (const pqCNNSlicerLayer& candidate : this->Layers)
  {
    if (candidate.Name == name)
    {
      return &candidate;
    }
  }
  return nullptr;
}

double pqCNNSlicerData::layerEntropy(const QString& name) const
{
  return this->EntropyByLayer.value(name, std::numeric_limits<double>::quiet_NaN());
}

bool pqCNNSlicerData::misclassified(int sample) const
{
  const int truth = this->label(sample);
  return truth >= 0 && this->prediction(sample) >= 0 && truth != this->prediction(sample);
}

QString pqCNNSlicerData::className(int classIndex) const
{
  if (classIndex < 0)
  {
    return QStringLiteral("none");
  }
  const QString name = this->ClassNames.value(classIndex);
  if (name.isEmpty() || name == QString::number(classIndex))
  {
    return QString::number(classIndex);
  }
  return QStringLiteral("%1 (%2)").arg(classIndex).arg(name);
}

int pqCNNSlicerData::nextMisclassified(int from, int direction, int classIndex) const
{
  const int count = this->sampleCount();
  for (int step = 1; step <= count; ++step)
  {
    const int sample = ((from + direction * step) % count + count) % count;
    if (this->misclassified(sample) && (classIndex < 0 || this->label(sample) == classIndex))
    {
      return sample;
    }
  }
  return -1;
}

QImage pqCNNSlicerData::inputImage(int sample) const
{
  vtkDataArray* values =
    this->Input ? this->Input->GetPointData()->GetArray(names::Activation) : nullptr;
  if (!values || sample < 0 || sample >= values->GetNumberOfComponents())
  {
    return QImage();
  }
  int dimensions[3];
  this->Input->GetDimensions(dimensions);
  const int width = dimensions[0];
  const int height = dimensions[1];
  const int channels = dimensions[2] == 3 ? 3 : 1;
  const vtkIdType plane = static_cast<vtkIdType>(width) * height;

  // Each channel to 0..255 over its own range for this sample.
  QVector<double> low(channels, std::numeric_limits<double>::infinity());
  QVector<double> high(channels, -std::numeric_limits<double>::infinity());
  for (int c = 0; c < channels; ++c)
  {
    for (vtkIdType p = 0; p < plane; ++p)
    {
      const double v = values->GetComponent(c * plane + p, sample);
      if (std::isfinite(v))
      {
        low[c] = std::min(low[c], v);
        high[c] = std::max(high[c], v);
      }
    }
  }
  QImage image(width, height, QImage::Format_RGB32);
  for (int row = 0; row < height; ++row)
  {
    const int y = height - 1 - row;
    for (int x = 0; x < width; ++x)
    {
      int rgb[3];
      for (int c = 0; c < channels; ++c)
      {
        const double v =
          values->GetComponent(c * plane + static_cast<vtkIdType>(y) * width + x, sample);
        const double span = high[c] - low[c];
        const double t = (span > 0 && std::isfinite(v)) ? (v - low[c]) / span : 0.0;
        rgb[c] = static_cast<int>(std::lround(255.0 * std::clamp(t, 0.0, 1.0)));
      }
      if (channels == 1)
      {
        rgb[1] = rgb[2] = rgb[0];
      }
      image.setPixel(x, row, qRgb(rgb[0], rgb[1], rgb[2]));
    }
  }
  return image;
}
