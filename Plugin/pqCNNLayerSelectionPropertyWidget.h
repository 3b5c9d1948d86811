#ifndef pqCNNLayerSelectionPropertyWidget_h
#define pqCNNLayerSelectionPropertyWidget_h

#include <pqArrayStatusPropertyWidget.h>

/**
 * @class pqCNNLayerSelectionPropertyWidget
 * @brief The reader's *Layers* list in network (execution) order.
 *
 * ParaView's array-status widget keeps its rows in name order (its model is filled from a
 * name-sorted map), which puts `classifier.*` before `features.*` and `logits` among them.
 * The reader lists its layers in the order the model runs them (Documentation/reader.md);
 * this widget sorts the rows by their position in that list (the information property
 * `LayerInfo`), so the list reads as the network does. Clicking the header reverses it.
 */
class pqCNNLayerSelectionPropertyWidget : public pqArrayStatusPropertyWidget
{
  Q_OBJECT
  typedef pqArrayStatusPropertyWidget Superclass;

public:
  pqCNNLayerSelectionPropertyWidget(vtkSMProxy* proxy,
                                    vtkSMProperty* property,
                                    QWidget* parent = nullptr);
  ~pqCNNLayerSelectionPropertyWidget() override;

private:
  Q_DISABLE_COPY(pqCNNLayerSelectionPropertyWidget);
};

#endif
