#include "vtkCNNSampleStreaming.h"

#include "vtkAlgorithm.h"
#include "vtkInformation.h"
#include "vtkInformationIdTypeKey.h"
#include "vtkInformationIntegerKey.h"
#include "vtkInformationIntegerRequestKey.h"
#include "vtkObjectFactory.h"

namespace
{
/// Data-object keys: the batch (and its size) that a reader's output holds.
vtkInformationIntegerKey* DataBatch()
{
  static vtkInformationIntegerKey* key =
    new vtkInformationIntegerKey("DATA_SAMPLE_BATCH", "vtkCNNSampleStreaming");
  return key;
}
vtkInformationIntegerKey* DataBatchSize()
{
  static vtkInformationIntegerKey* key =
    new vtkInformationIntegerKey("DATA_SAMPLE_BATCH_SIZE", "vtkCNNSampleStreaming");
  return key;
}

/**
 * Request keys: set downstream in REQUEST_UPDATE_EXTENT, copied upstream through any filter
 * in between (ParaView puts a vtkPVPostFilter after every source), and compared with what
 * the producer's output holds, so that the producer runs again when the batch or its size
 * differs (vtkInformationIntegerRequestKey; the data keys say what the output holds).
 */
class vtkInformationCNNSampleBatchKey : public vtkInformationIntegerRequestKey
{
public:
  vtkInformationCNNSampleBatchKey(const char* name, const char* location)
    : vtkInformationIntegerRequestKey(name, location)
  {
    this->DataKey = DataBatch();
  }
};

class vtkInformationCNNSampleBatchSizeKey : public vtkInformationIntegerRequestKey
{
public:
  vtkInformationCNNSampleBatchSizeKey(const char* name, const char* location)
    : vtkInformationIntegerRequestKey(name, location)
  {
    this->DataKey = DataBatchSize();
  }
};
}

vtkStandardNewMacro(vtkCNNSampleStreaming);

vtkInformationKeyMacro(vtkCNNSampleStreaming, NUMBER_OF_SAMPLES, IdType);
vtkInformationKeySubclassMacro(vtkCNNSampleStreaming, SAMPLE_BATCH, CNNSampleBatch, IntegerRequest);
vtkInformationKeySubclassMacro(vtkCNNSampleStreaming,
                               SAMPLE_BATCH_SIZE,
                               CNNSampleBatchSize,
                               IntegerRequest);

int vtkCNNSampleStreaming::RequestedBatch(vtkInformation* outInfo)
{
  if (outInfo == nullptr || !outInfo->Has(SAMPLE_BATCH()) || !outInfo->Has(SAMPLE_BATCH_SIZE()) ||
      outInfo->Get(SAMPLE_BATCH_SIZE()) <= 0)
  {
    return -1;
  }
  return outInfo->Get(SAMPLE_BATCH());
}

void vtkCNNSampleStreaming::RequestAllSamplesUpstream(vtkAlgorithm* consumer)
{
  vtkAlgorithm* algorithm = consumer;
  while (algorithm != nullptr && algorithm->GetNumberOfInputPorts() > 0 &&
         algorithm->GetNumberOfInputConnections(0) > 0)
  {
    vtkInformation* info = algorithm->GetInputInformation(0, 0);
    if (info == nullptr || !info->Has(SAMPLE_BATCH()))
    {
      break;
    }
    info->Set(SAMPLE_BATCH(), -1);
    algorithm = algorithm->GetInputAlgorithm(0, 0);
  }
}
