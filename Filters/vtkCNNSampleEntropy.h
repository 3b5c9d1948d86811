/**
 * @class vtkCNNSampleEntropy
 * @brief "CNN Sample Entropy": the entropy of each input's activations (the sample
 * scope of Documentation/entropy.md), e.g. to compare correctly and wrongly classified images.
 *
 * For every selected sample n and layer: the Shannon entropy of the histogram of that
 * sample's H x W feature map of each channel (port 1, one row per layer, sample and
 * channel; channels of a single value, as in dense layers, have no row), and of all its
 * values in the layer (port 2, one row per layer and sample). Rows carry `sample`
 * (component index), `sample_id`, `label` and `prediction` from the reader's field data.
 * Histograms use the discrete filter's settings; the range is the layer's (or channel's,
 * or a fixed one) over all selected samples, so samples are comparable. Port 0 is the
 * input, unchanged.
 */
#ifndef vtkCNNSampleEntropy_h
#define vtkCNNSampleEntropy_h

#include "CNNSlicerFiltersModule.h" // for export macro
#include "vtkCNNDiscreteEntropy.h"

class CNNSLICERFILTERS_EXPORT vtkCNNSampleEntropy : public vtkCNNDiscreteEntropy
{
public:
  static vtkCNNSampleEntropy* New();
  vtkTypeMacro(vtkCNNSampleEntropy, vtkCNNDiscreteEntropy);

protected:
  vtkCNNSampleEntropy();
  ~vtkCNNSampleEntropy() override;

  bool ComputeLayer(const vtkCNNLayerInput& input, vtkCNNLayerEntropy& result) override;

private:
  vtkCNNSampleEntropy(const vtkCNNSampleEntropy&) = delete;
  void operator=(const vtkCNNSampleEntropy&) = delete;
};

#endif
