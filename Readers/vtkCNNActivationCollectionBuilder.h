/**
 * @class vtkCNNActivationCollectionBuilder
 * @brief Runs a captured model over samples in batches and builds the CNN Activations
 * Reader's data model (Documentation/design.md section 2) from what it captures.
 *
 * Shared by vtkCNNActivationReader (samples from a dataset file) and the in-situ probe
 * (InSitu/: a probe batch of a training loop), so that both give the same
 * vtkPartitionedDataSetCollection: one vtkImageData per layer in execution order (extent
 * W x H x C, side by side along X), a float32 point array `activation` with one
 * component per sample and its range cache filled while writing, per-layer field data
 * (`layer_name`, `layer_type`, `layer_index`, `output_shape`), collection field data
 * (`sample_id`, `label`, `prediction`, `class_names`), a vtkDataAssembly of the module
 * tree; and the table of samples.
 *
 * Parallel runs (Documentation/parallel.md): with several pieces, each layer belongs to
 * one piece (cnnslicer::assignLayersToPieces), which holds all its samples; the other
 * pieces keep an empty partitioned dataset in its place, so the collection has the same
 * structure everywhere. When a vtkMultiProcessController with one process per piece is
 * given, each process runs the model on its share of the samples only
 * (cnnslicer::shareOfSamples) and every batch of every layer is gathered
 * (vtkMultiProcessController::GatherV) on the layer's owner; without one, a piece runs
 * all samples and keeps its layers. Predictions are gathered on every process. The
 * table of samples holds the piece's share of the rows, so that ParaView's merge of the
 * pieces lists every sample once, in order. Failures are agreed on by all processes
 * after each batch, so an error on one process ends the run everywhere instead of
 * leaving the others waiting.
 *
 * Not wrapped (it takes C++ types): a helper for C++ code of the project.
 */
#ifndef vtkCNNActivationCollectionBuilder_h
#define vtkCNNActivationCollectionBuilder_h

#include "CNNSlicerReadersModule.h" // for export macro

#include <cstddef>    // for std::size_t
#include <cstdint>    // for std::int64_t
#include <functional> // for std::function
#include <memory>     // for std::unique_ptr
#include <string>     // for std::string
#include <vector>     // for std::vector

namespace cnnslicer
{
class ModelCapture;
}
class vtkMultiProcessController;
class vtkPartitionedDataSetCollection;
class vtkTable;

class CNNSLICERREADERS_EXPORT vtkCNNActivationCollectionBuilder
{
public:
  struct Options
  {
    /// One entry per layer of the capture: output it. Layers the last inferShapes() did
    /// not reach are never output.
    std::vector<bool> Layers;
    /// Samples per forward pass.
    std::size_t BatchSize = 256;
    /// Threads of the layout (ActivationVolumeWriter); 0 = every core. LibTorch's own
    /// threads are the caller's business (ModelCapture::setThreads).
    int Threads = 0;
    /// This piece and the number of pieces of a parallel run.
    int Piece = 0;
    int NumberOfPieces = 1;
    /// Used when it has NumberOfPieces processes and this one is Piece: inference is
    /// then split by samples and the layers exchanged.
    vtkMultiProcessController* Controller = nullptr;
  };

  /**
   * Returns @p count preprocessed samples from sample @p first of the selection on
   * (contiguous float32, count x sample shape), valid until the next call.
   */
  using BatchSource = std::function<const float*(std::size_t first, std::size_t count)>;
  /// Receives the number of samples laid out after each batch; returns false to stop.
  using ProgressCallback = std::function<bool(std::size_t)>;

  /// The run's samples: @p samples in all, each of @p sampleShape (C, H, W).
  vtkCNNActivationCollectionBuilder(cnnslicer::ModelCapture& capture,
                                    std::vector<std::int64_t> sampleShape,
                                    std::size_t samples,
                                    Options options);
  ~vtkCNNActivationCollectionBuilder();
  vtkCNNActivationCollectionBuilder(const vtkCNNActivationCollectionBuilder&) = delete;
  vtkCNNActivationCollectionBuilder& operator=(const vtkCNNActivationCollectionBuilder&) = delete;

  /// Bytes of activations piece @p piece holds once Run() is done (its layers, all samples).
  double PieceBytes(int piece) const;
  /// The most any piece holds (every process computes the same number).
  double LargestPieceBytes() const;
  /// True when inference is split among the processes of the controller.
  bool ExchangesLayers() const;

  /**
   * Runs the model over the piece's samples and lays the layers out. Returns false when
   * @p progress asked to stop (on any process). Throws std::bad_alloc when the arrays
   * cannot be allocated, and std::runtime_error (CaptureError) on a failed forward pass.
   */
  bool Run(const BatchSource& source, const ProgressCallback& progress = {});

  /// What Assemble() writes into field data and the table of samples.
  struct SampleInfo
  {
    /// One id per sample (an index into the dataset, or the caller's own numbering).
    std::vector<std::int64_t> SampleIds;
    /// One label per sample, or empty when unlabelled (written as -1).
    std::vector<std::int64_t> Labels;
    std::vector<std::string> ClassNames;
  };

  /**
   * Builds the collection into @p output and the piece's rows of the table of samples
   * into @p samplesTable (may be null). Call after Run().
   */
  void Assemble(vtkPartitionedDataSetCollection* output,
                vtkTable* samplesTable,
                const SampleInfo& info);

  /// Arg max of each sample's logits (-1 when the model's output is not N x K).
  const std::vector<std::int64_t>& Predictions() const;

private:
  class vtkInternals;
  std::unique_ptr<vtkInternals> Internals;
};

#endif
