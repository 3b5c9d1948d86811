/**
 * @class vtkCNNSampleStreaming
 * @brief Pipeline keys with which a filter streams a reader's samples batch by batch.
 *
 * The streaming analysis (Documentation/entropy.md, "Streaming") never holds every
 * activation: the entropy filter asks its input for one batch of samples at a time (the
 * first with its own update, the others by updating its producer from its RequestData, so
 * that a producer that fails ends the stream; VTK's CONTINUE_EXECUTING would loop forever
 * then) and accumulates histograms. The keys:
 *
 * - NUMBER_OF_SAMPLES (reader's output information, RequestInformation, passed downstream
 *   as one of the request's KEYS_TO_COPY): how many samples the reader's selection holds,
 *   so that a consumer knows how many batches there are.
 * - SAMPLE_BATCH (request, set by the consumer in RequestUpdateExtent): the index of the
 *   batch to produce; -1, which the reader sets in RequestInformation, asks for every
 *   selected sample (the reader's ordinary output). A request key, so that the reader runs
 *   again whenever the batch changes, and again for its ordinary output afterwards.
 * - SAMPLE_BATCH_SIZE (request, likewise): samples per batch; batch b holds the selected samples
 *   [b * size, min((b + 1) * size, NUMBER_OF_SAMPLES)).
 *
 * A batch's output has the ordinary data model (Documentation/design.md section 2) with one
 * component per sample of the batch, and the batch's labels and sample ids in field data.
 */
#ifndef vtkCNNSampleStreaming_h
#define vtkCNNSampleStreaming_h

#include "CNNSlicerCommonModule.h" // for export macro
#include "vtkObject.h"

class vtkAlgorithm;
class vtkInformation;
class vtkInformationIdTypeKey;
class vtkInformationIntegerRequestKey;

class CNNSLICERCOMMON_EXPORT vtkCNNSampleStreaming : public vtkObject
{
public:
  static vtkCNNSampleStreaming* New();
  vtkTypeMacro(vtkCNNSampleStreaming, vtkObject);

  static vtkInformationIdTypeKey* NUMBER_OF_SAMPLES();
  static vtkInformationIntegerRequestKey* SAMPLE_BATCH();
  static vtkInformationIntegerRequestKey* SAMPLE_BATCH_SIZE();

  /// The batch requested in @p outInfo, or -1 when every sample is asked for.
  static int RequestedBatch(vtkInformation* outInfo);

  /**
   * After a stream: asks for the ordinary output again (SAMPLE_BATCH -1) on every pipeline
   * information object from @p consumer's first input up to the reader. A request key only
   * travels upstream when something updates through the same path; the reader's own output
   * must not keep serving the last batch to a consumer that updates it directly.
   */
  static void RequestAllSamplesUpstream(vtkAlgorithm* consumer);

protected:
  vtkCNNSampleStreaming() = default;
  ~vtkCNNSampleStreaming() override = default;

private:
  vtkCNNSampleStreaming(const vtkCNNSampleStreaming&) = delete;
  void operator=(const vtkCNNSampleStreaming&) = delete;
};

#endif
