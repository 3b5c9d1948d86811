#include "pqCNNLayerSelectionPropertyWidget.h"

#include <pqArraySelectionWidget.h>

#include <vtkSMProperty.h>
#include <vtkSMPropertyHelper.h>
#include <vtkSMProxy.h>
#include <vtkSmartPointer.h>

#include <QHash>
#include <QSortFilterProxyModel>

namespace
{
/// Orders rows by the layer's position in the reader's LayerInfo (network order).
class NetworkOrderModel : public QSortFilterProxyModel
{
public:
  NetworkOrderModel(vtkSMProxy* reader, QObject* parent)
    : QSortFilterProxyModel(parent)
    , Reader(reader)
  {
  }

protected:
  bool lessThan(const QModelIndex& left, const QModelIndex& right) const override
  {
    const QHash<QString, int>& order = this->order();
    const int a = order.value(left.data(Qt::DisplayRole).toString(), order.size());
    const int b = order.value(right.data(Qt::DisplayRole).toString(), order.size());
    return a != b ? a < b : QSortFilterProxyModel::lessThan(left, right);
  }

private:
  /// Name -> position, read again whenever the reader lists a new model's layers.
  const QHash<QString, int>& order() const
  {
    vtkSMProperty* info = this->Reader ? this->Reader->GetProperty("LayerInfo") : nullptr;
    if (info && info->GetMTime() != this->OrderTime)
    {
      this->Order.clear();
      vtkSMPropertyHelper helper(info);
      // LayerInfo holds (name, status) pairs.
      for (unsigned int i = 0; i + 1 < helper.GetNumberOfElements(); i += 2)
      {
        this->Order.insert(QString::fromUtf8(helper.GetAsString(i)), static_cast<int>(i / 2));
      }
      this->OrderTime = info->GetMTime();
    }
    return this->Order;
  }

  vtkSmartPointer<vtkSMProxy> Reader;
  mutable QHash<QString, int> Order;
  mutable vtkMTimeType OrderTime = 0;
};
}

pqCNNLayerSelectionPropertyWidget::pqCNNLayerSelectionPropertyWidget(vtkSMProxy* proxy,
                                                                     vtkSMProperty* property,
                                                                     QWidget* parent)
  : Superclass(proxy, property, parent)
{
  for (auto* list : this->findChildren<pqArraySelectionWidget*>())
  {
    auto* sorted = qobject_cast<QSortFilterProxyModel*>(list->model());
    if (!sorted)
    {
      continue;
    }
    auto* networkOrder = new NetworkOrderModel(proxy, list);
    networkOrder->setSourceModel(sorted->sourceModel());
    networkOrder->setDynamicSortFilter(true);
    networkOrder->setFilterCaseSensitivity(Qt::CaseInsensitive);
    list->setModel(networkOrder);
    list->setSortingEnabled(true);
    list->sortByColumn(0, Qt::AscendingOrder);
    list->setHeaderLabel(QStringLiteral("Layers (network order)"));
  }
}

pqCNNLayerSelectionPropertyWidget::~pqCNNLayerSelectionPropertyWidget() = default;
