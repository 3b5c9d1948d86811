/**
 * @class vtkCNNDiscreteEntropy
 * @brief "CNN Entropy (Discrete)": Shannon entropy of equal-width histograms of CNN
 * activations at neuron, channel and layer scope (Documentation/entropy.md, "Discrete entropy").
 *
 * Values are binned into NumberOfBins bins over a range that is the layer's min/max over
 * the selected samples (default), each channel's min/max, or a fixed range; the same
 * range is used for every sample and class compared. H = -sum_b p_b log2 p_b in bits
 * (or nats), optionally normalised by log2(B). NaN/Inf values are excluded and counted.
 * Outputs are described in vtkCNNEntropyFilterBase; the channel and layer tables also
 * carry the binning range (`range_low`, `range_high`).
 */
#ifndef vtkCNNDiscreteEntropy_h
#define vtkCNNDiscreteEntropy_h

#include "CNNSlicerFiltersModule.h" // for export macro
#include "vtkCNNEntropyFilterBase.h"

#include <memory> // for std::unique_ptr

namespace cnnslicer
{
struct DiscreteEntropyOptions;
}

class CNNSLICERFILTERS_EXPORT vtkCNNDiscreteEntropy : public vtkCNNEntropyFilterBase
{
public:
  static vtkCNNDiscreteEntropy* New();
  vtkTypeMacro(vtkCNNDiscreteEntropy, vtkCNNEntropyFilterBase);
  void PrintSelf(ostream& os, vtkIndent indent) override;

  /// How the histogram range is chosen.
  enum RangeModes
  {
    LAYER_RANGE = 0,
    CHANNEL_RANGE = 1,
    FIXED_RANGE = 2
  };

  ///@{
  /// Number of equal-width bins B, 2 to 65536 (default 64).
  vtkSetClampMacro(NumberOfBins, int, 2, 65536);
  vtkGetMacro(NumberOfBins, int);
  ///@}

  ///@{
  /// Range mode (default LAYER_RANGE).
  vtkSetClampMacro(RangeMode, int, LAYER_RANGE, FIXED_RANGE);
  vtkGetMacro(RangeMode, int);
  ///@}

  ///@{
  /// The [low, high] range used with FIXED_RANGE.
  vtkSetVector2Macro(FixedRange, double);
  vtkGetVector2Macro(FixedRange, double);
  ///@}

  ///@{
  /// Report H / log2(B), a fraction in [0, 1], instead of bits.
  vtkSetMacro(Normalize, bool);
  vtkGetMacro(Normalize, bool);
  vtkBooleanMacro(Normalize, bool);
  ///@}

  ///@{
  /**
   * Stream the samples (Documentation/entropy.md, "Streaming"): instead of holding every
   * activation of every sample, ask the CNN Activations Reader for StreamBatchSize samples
   * at a time and accumulate histograms, in two passes (ranges, then counts), so that the
   * results equal the in-memory ones. Memory: one batch of activations plus the histograms.
   * The output has the same tables and per-neuron arrays, without the `activation` array.
   */
  vtkSetMacro(StreamSamples, bool);
  vtkGetMacro(StreamSamples, bool);
  vtkBooleanMacro(StreamSamples, bool);
  vtkSetClampMacro(StreamBatchSize, int, 1, 65536);
  vtkGetMacro(StreamBatchSize, int);
  ///@}

  /// Where a streamed analysis takes the histogram ranges from.
  enum StreamRangeModes
  {
    /// A first pass over every batch (default): the in-memory ranges and results.
    EXACT_RANGES = 0,
    /// The first RangeBatches batches only, then one pass over every batch: values outside
    /// are counted in the edge bins, and the share of them is reported (`clamped_fraction`).
    FIRST_BATCHES_RANGES = 1
  };

  ///@{
  /// Range mode of a streamed analysis (default EXACT_RANGES) and, for
  /// FIRST_BATCHES_RANGES, how many batches give the ranges (default 4).
  vtkSetClampMacro(StreamRangeMode, int, EXACT_RANGES, FIRST_BATCHES_RANGES);
  vtkGetMacro(StreamRangeMode, int);
  vtkSetClampMacro(RangeBatches, int, 1, 1 << 20);
  vtkGetMacro(RangeBatches, int);
  ///@}

  ///@{
  /// A streamed analysis whose histograms would need more than this many megabytes
  /// (default 8192) is refused with the layers that need the most.
  vtkSetClampMacro(MemoryLimit, double, 1.0, 1e9);
  vtkGetMacro(MemoryLimit, double);
  ///@}

protected:
  vtkCNNDiscreteEntropy();
  ~vtkCNNDiscreteEntropy() override;

  int RequestUpdateExtent(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;
  int RequestData(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;
  bool ComputeLayer(const vtkCNNLayerInput& input, vtkCNNLayerEntropy& result) override;
  std::string DescribeEstimator() const override;
  std::string DescribeUnit() const override;

  int NumberOfBins = 64;
  int RangeMode = LAYER_RANGE;
  double FixedRange[2] = { 0.0, 1.0 };
  bool Normalize = false;
  bool StreamSamples = false;
  int StreamBatchSize = 256;
  int StreamRangeMode = EXACT_RANGES;
  int RangeBatches = 4;
  double MemoryLimit = 8192.0;

private:
  vtkCNNDiscreteEntropy(const vtkCNNDiscreteEntropy&) = delete;
  void operator=(const vtkCNNDiscreteEntropy&) = delete;

  /// The core's options from the filter's properties; an empty problem when valid.
  cnnslicer::DiscreteEntropyOptions CoreOptions(std::string& problem) const;
  /// Streaming mode: folds the batch this update brought, asks the producer for every
  /// other batch of both passes in turn, then writes the outputs.
  int RequestStreamedData(vtkInformationVector** inputVector, vtkInformationVector* outputVector);
  /// After the range pass: the groups of the samples and the layers' histograms, or false
  /// after an error (classes unknown, memory above the limit).
  bool StartCounting(vtkDataObject* input);
  /// One pass: the groups of the batch's @p count samples from its @p labels; false after an
  /// error (a class not seen by the range pass).
  bool GroupBatch(vtkDataArray* labels, std::size_t first, std::size_t count);

  class vtkStreamingState;
  std::unique_ptr<vtkStreamingState> Streaming;
};

#endif
