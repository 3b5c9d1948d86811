#include "vtkCNNActivationCollectionBuilder.h"

#include "DataModelNames.h"

#include "ActivationVolume.h"
#include "ModelCapture.h"
#include "ModulePath.h"
#include "PieceLayout.h"

#include "vtkCommunicator.h"
#include "vtkCompositeDataSet.h"
#include "vtkDataAssembly.h"
#include "vtkDoubleArray.h"
#include "vtkFieldData.h"
#include "vtkFloatArray.h"
#include "vtkIdTypeArray.h"
#include "vtkImageData.h"
#include "vtkInformation.h"
#include "vtkInformationVector.h"
#include "vtkIntArray.h"
#include "vtkLogger.h"
#include "vtkMultiProcessController.h"
#include "vtkNew.h"
#include "vtkPartitionedDataSet.h"
#include "vtkPartitionedDataSetCollection.h"
#include "vtkPointData.h"
#include "vtkSmartPointer.h"
#include "vtkStringArray.h"
#include "vtkTable.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <new>
#include <stdexcept>

namespace names = cnnslicer::names;

namespace
{

/// Gap between neighbouring layers along X, in voxels.
constexpr double LayerGap = 4.0;

/**
 * Fills the range cache of @p array from what @p writer saw while writing, so that
 * ParaView's data-information pass does not read the data again (it would otherwise compute
 * every component's range itself; Documentation/design.md section 7).
 */
void SetRangeCache(vtkFloatArray* array,
                   const cnnslicer::ActivationVolumeWriter& writer,
                   std::size_t samples)
{
  // The cache is trusted only when newer than the array: set it after the last write.
  array->Modified();
  // One vtkInformation per component (VTK's cache layout), and one vector per key, each
  // owned by the array's information alone and handed over with FastDelete, as
  // vtkDataArray fills this cache itself. Releasing a reference to a vector that is still
  // referenced elsewhere (a smart pointer leaving scope, or one vector shared by both
  // keys when it is destroyed) makes VTK's garbage collector walk every component's
  // objects: 0.8 s for LeNet-5 at 10,000 samples, twice the cost of a second vector.
  const auto& all = writer.componentRanges();
  const auto& finite = writer.finiteComponentRanges();
  vtkInformation* arrayInfo = array->GetInformation();
  auto setRanges = [&](vtkInformationInformationVectorKey* key,
                       const std::vector<cnnslicer::ActivationVolumeWriter::Range>& r)
  {
    vtkInformationVector* vector = vtkInformationVector::New();
    vector->SetNumberOfInformationObjects(static_cast<int>(samples));
    for (std::size_t n = 0; n < samples; ++n)
    {
      const double range[2] = { r[n].Low, r[n].High };
      vector->GetInformationObject(static_cast<int>(n))
        ->Set(vtkDataArray::COMPONENT_RANGE(), range, 2);
    }
    arrayInfo->Set(key, vector);
    vector->FastDelete();
  };
  setRanges(vtkDataArray::PER_COMPONENT(), all);
  setRanges(vtkDataArray::PER_FINITE_COMPONENT(), finite);
  const bool allFinite =
    std::equal(all.begin(),
               all.end(),
               finite.begin(),
               [](const auto& a, const auto& b) { return a.Low == b.Low && a.High == b.High; });
  const auto norm = writer.normRange();
  const double normRange[2] = { norm.Low, norm.High };
  arrayInfo->Set(vtkDataArray::L2_NORM_RANGE(), normRange, 2);
  if (allFinite)
  {
    // With non-finite values the finite norm range is left for VTK to compute.
    arrayInfo->Set(vtkDataArray::L2_NORM_FINITE_RANGE(), normRange, 2);
  }
}

void AddString(vtkFieldData* fd, const char* name, const std::string& value)
{
  vtkNew<vtkStringArray> s;
  s->SetName(name);
  s->InsertNextValue(value);
  fd->AddArray(s);
}

} // namespace

class vtkCNNActivationCollectionBuilder::vtkInternals
{
public:
  cnnslicer::ModelCapture* Capture = nullptr;
  std::vector<std::int64_t> SampleShape;
  std::size_t Samples = 0;
  Options Settings;
  bool Exchange = false;
  /// Output layers (wanted and reached), owner piece of each (-1: not output).
  std::vector<bool> Output;
  std::vector<int> Owner;
  std::vector<cnnslicer::VolumeGeometry> Geometry;
  std::vector<vtkSmartPointer<vtkFloatArray>> Arrays;
  std::vector<std::unique_ptr<cnnslicer::ActivationVolumeWriter>> Writers;
  std::vector<std::int64_t> Predictions;
  std::vector<double> Confidences;

  bool Owns(std::size_t layer) const
  {
    return this->Output[layer] && this->Owner[layer] == this->Settings.Piece;
  }

  cnnslicer::SampleShare Share(int piece) const
  {
    return cnnslicer::shareOfSamples(this->Samples, piece, this->Settings.NumberOfPieces);
  }

  /// The samples this process runs through the model.
  cnnslicer::SampleShare InferenceShare(int piece) const
  {
    return this->Exchange ? this->Share(piece) : cnnslicer::SampleShare{ 0, this->Samples };
  }

  /// Samples of @p piece in batch round @p round (0 when it has no batch left).
  std::size_t RoundCount(int piece, std::size_t round) const
  {
    const std::size_t count = this->InferenceShare(piece).Count;
    const std::size_t begin = round * this->Settings.BatchSize;
    return begin < count ? std::min(this->Settings.BatchSize, count - begin) : 0;
  }

  /**
   * Runs @p step on this process and agrees with the others on whether it worked. The
   * process that failed rethrows its own error; the others report that one failed, so
   * that no process waits in a collective call that another will never make.
   */
  template<typename Step>
  void Collectively(Step&& step)
  {
    std::exception_ptr error;
    try
    {
      step();
    }
    catch (...)
    {
      error = std::current_exception();
    }
    if (!this->AllTrue(error == nullptr))
    {
      if (error)
      {
        std::rethrow_exception(error);
      }
      throw std::runtime_error("another process of the parallel run failed (its message says "
                               "why); the output of this one is incomplete");
    }
  }

  bool AllTrue(bool value) const
  {
    if (!this->Exchange)
    {
      return value;
    }
    int local = value ? 1 : 0;
    int global = 0;
    this->Settings.Controller->AllReduce(&local, &global, 1, vtkCommunicator::MIN_OP);
    return global == 1;
  }

  void Allocate()
  {
    for (std::size_t i = 0; i < this->Output.size(); ++i)
    {
      if (!this->Owns(i))
      {
        continue;
      }
      auto array = vtkSmartPointer<vtkFloatArray>::New();
      array->SetName(names::Activation);
      array->SetNumberOfComponents(static_cast<int>(this->Samples));
      // Resize reports a failed allocation (VTK does not throw).
      if (!array->Resize(static_cast<vtkIdType>(this->Geometry[i].points())))
      {
        throw std::bad_alloc();
      }
      array->SetNumberOfTuples(static_cast<vtkIdType>(this->Geometry[i].points()));
      this->Writers[i] = std::make_unique<cnnslicer::ActivationVolumeWriter>(
        array->GetPointer(0), this->Geometry[i], this->Samples, this->Settings.Threads);
      this->Arrays[i] = array;
    }
  }

  /// Gathers round @p round of layer @p layer (each process's batch) on its owner.
  void GatherLayer(std::size_t layer, std::size_t round, const std::vector<float>& batch)
  {
    vtkMultiProcessController* controller = this->Settings.Controller;
    const int pieces = this->Settings.NumberOfPieces;
    const auto points = static_cast<vtkIdType>(this->Geometry[layer].points());
    std::vector<vtkIdType> lengths(static_cast<std::size_t>(pieces));
    std::vector<vtkIdType> offsets(static_cast<std::size_t>(pieces));
    vtkIdType total = 0;
    for (int q = 0; q < pieces; ++q)
    {
      lengths[q] = static_cast<vtkIdType>(this->RoundCount(q, round)) * points;
      offsets[q] = total;
      total += lengths[q];
    }
    if (total > std::numeric_limits<int>::max())
    {
      // MPI counts are int.
      throw std::runtime_error("one batch of layer '" + this->Capture->layers()[layer].Name +
                               "' has " + std::to_string(total) +
                               " values, more than MPI can send at once; lower BatchSize");
    }
    const int owner = this->Owner[layer];
    const auto sendLength = static_cast<vtkIdType>(batch.size());
    const float placeholder = 0.0f;
    const float* send = batch.empty() ? &placeholder : batch.data();
    if (owner != this->Settings.Piece)
    {
      float unused = 0.0f;
      controller->GatherV(send, &unused, sendLength, lengths.data(), offsets.data(), owner);
      return;
    }
    std::vector<float> received(static_cast<std::size_t>(std::max<vtkIdType>(total, 1)));
    controller->GatherV(send, received.data(), sendLength, lengths.data(), offsets.data(), owner);
    for (int q = 0; q < pieces; ++q)
    {
      const std::size_t count = this->RoundCount(q, round);
      if (count > 0)
      {
        this->Writers[layer]->write(received.data() + offsets[q],
                                    count,
                                    this->Share(q).First + round * this->Settings.BatchSize);
      }
    }
  }

  /// Every process gets every sample's prediction and confidence.
  void GatherPredictions()
  {
    const int pieces = this->Settings.NumberOfPieces;
    const cnnslicer::SampleShare mine = this->Share(this->Settings.Piece);
    std::vector<double> send;
    for (std::size_t n = mine.First; n < mine.First + mine.Count; ++n)
    {
      send.push_back(static_cast<double>(this->Predictions[n]));
      send.push_back(this->Confidences[n]);
    }
    std::vector<vtkIdType> lengths(static_cast<std::size_t>(pieces));
    std::vector<vtkIdType> offsets(static_cast<std::size_t>(pieces));
    vtkIdType total = 0;
    for (int q = 0; q < pieces; ++q)
    {
      lengths[q] = 2 * static_cast<vtkIdType>(this->Share(q).Count);
      offsets[q] = total;
      total += lengths[q];
    }
    std::vector<double> all(static_cast<std::size_t>(std::max<vtkIdType>(total, 1)));
    const double placeholder = 0.0;
    this->Settings.Controller->AllGatherV(send.empty() ? &placeholder : send.data(),
                                          all.data(),
                                          static_cast<vtkIdType>(send.size()),
                                          lengths.data(),
                                          offsets.data());
    for (std::size_t n = 0; n < this->Samples; ++n)
    {
      this->Predictions[n] = static_cast<std::int64_t>(all[2 * n]);
      this->Confidences[n] = all[2 * n + 1];
    }
  }
};

vtkCNNActivationCollectionBuilder::vtkCNNActivationCollectionBuilder(
  cnnslicer::ModelCapture& capture,
  std::vector<std::int64_t> sampleShape,
  std::size_t samples,
  Options options)
  : Internals(new vtkInternals)
{
  vtkInternals& internals = *this->Internals;
  internals.Capture = &capture;
  internals.SampleShape = std::move(sampleShape);
  internals.Samples = samples;
  internals.Settings = std::move(options);
  Options& settings = internals.Settings;
  settings.BatchSize = std::max<std::size_t>(settings.BatchSize, 1);
  if (settings.NumberOfPieces < 1 || settings.Piece < 0 ||
      settings.Piece >= settings.NumberOfPieces)
  {
    throw std::invalid_argument("piece " + std::to_string(settings.Piece) + " of " +
                                std::to_string(settings.NumberOfPieces) + " does not exist");
  }
  vtkMultiProcessController* controller = settings.Controller;
  internals.Exchange = settings.NumberOfPieces > 1 && controller != nullptr &&
                       controller->GetNumberOfProcesses() == settings.NumberOfPieces &&
                       controller->GetLocalProcessId() == settings.Piece;

  const auto& layers = capture.layers();
  internals.Output.assign(layers.size(), false);
  internals.Geometry.resize(layers.size());
  internals.Arrays.resize(layers.size());
  internals.Writers.resize(layers.size());
  std::vector<std::uint64_t> bytes(layers.size(), 0);
  for (std::size_t i = 0; i < layers.size(); ++i)
  {
    internals.Output[i] =
      layers[i].Executed &&
      (settings.Layers.empty() || (i < settings.Layers.size() && settings.Layers[i]));
    internals.Geometry[i] = cnnslicer::VolumeGeometry::fromSampleShape(layers[i].SampleShape);
    if (internals.Output[i])
    {
      bytes[i] = 4 * static_cast<std::uint64_t>(internals.Geometry[i].points()) * samples;
      // A layer of zero samples still gets an owner: its (empty) volume is shown.
      bytes[i] = std::max<std::uint64_t>(bytes[i], 1);
    }
  }
  internals.Owner = cnnslicer::assignLayersToPieces(bytes, settings.NumberOfPieces);
  internals.Predictions.assign(samples, -1);
  internals.Confidences.assign(samples, std::nan(""));
}

vtkCNNActivationCollectionBuilder::~vtkCNNActivationCollectionBuilder() = default;

double vtkCNNActivationCollectionBuilder::PieceBytes(int piece) const
{
  const vtkInternals& internals = *this->Internals;
  double bytes = 0.0;
  for (std::size_t i = 0; i < internals.Output.size(); ++i)
  {
    if (internals.Output[i] && internals.Owner[i] == piece)
    {
      bytes += 4.0 * static_cast<double>(internals.Geometry[i].points()) *
               static_cast<double>(internals.Samples);
    }
  }
  return bytes;
}

double vtkCNNActivationCollectionBuilder::LargestPieceBytes() const
{
  double largest = 0.0;
  for (int piece = 0; piece < this->Internals->Settings.NumberOfPieces; ++piece)
  {
    largest = std::max(largest, this->PieceBytes(piece));
  }
  return largest;
}

bool vtkCNNActivationCollectionBuilder::ExchangesLayers() const
{
  return this->Internals->Exchange;
}

const std::vector<std::int64_t>& vtkCNNActivationCollectionBuilder::Predictions() const
{
  return this->Internals->Predictions;
}

bool vtkCNNActivationCollectionBuilder::Run(const BatchSource& source,
                                            const ProgressCallback& progress)
{
  vtkInternals& internals = *this->Internals;
  const Options& settings = internals.Settings;
  internals.Collectively([&] { internals.Allocate(); });

  const auto& layers = internals.Capture->layers();
  const std::size_t logits = layers.size() - 1;
  // Predictions need the logits even when that layer is not output.
  std::vector<bool> run = internals.Output;
  run[logits] = true;

  // Processes run their batches in lockstep rounds; one whose share is used up sends
  // nothing in the remaining rounds.
  std::size_t rounds = 0;
  for (int q = 0; q < (internals.Exchange ? settings.NumberOfPieces : 1); ++q)
  {
    const int piece = internals.Exchange ? q : settings.Piece;
    const std::size_t count = internals.InferenceShare(piece).Count;
    rounds = std::max(rounds, (count + settings.BatchSize - 1) / settings.BatchSize);
  }
  const cnnslicer::SampleShare share = internals.InferenceShare(settings.Piece);
  std::vector<std::vector<float>> staged(layers.size());
  vtkLogScopeF(TRACE,
               "inference of %zu of %zu samples and layout in %zu rounds of %zu%s",
               share.Count,
               internals.Samples,
               rounds,
               settings.BatchSize,
               internals.Exchange ? ", layers gathered on their pieces" : "");
  for (std::size_t round = 0; round < rounds; ++round)
  {
    const std::size_t count = internals.RoundCount(settings.Piece, round);
    const std::size_t first = share.First + round * settings.BatchSize;
    for (auto& values : staged)
    {
      values.clear();
    }
    internals.Collectively(
      [&]
      {
        if (count == 0)
        {
          return;
        }
        const float* batch = source(first, count);
        internals.Capture->run(
          batch,
          static_cast<std::int64_t>(count),
          internals.SampleShape,
          run,
          [&](std::size_t index, const float* data, const std::vector<std::int64_t>& shape)
          {
            if (index == logits && shape.size() == 2)
            {
              // Prediction = arg max of the logits; confidence = its softmax probability.
              const auto classes = static_cast<std::size_t>(shape[1]);
              for (std::size_t b = 0; b < count; ++b)
              {
                const float* row = data + b * classes;
                const std::size_t best =
                  static_cast<std::size_t>(std::max_element(row, row + classes) - row);
                double sum = 0.0;
                for (std::size_t k = 0; k < classes; ++k)
                {
                  sum += std::exp(static_cast<double>(row[k]) - row[best]);
                }
                internals.Predictions[first + b] = static_cast<std::int64_t>(best);
                internals.Confidences[first + b] = 1.0 / sum;
              }
            }
            if (!internals.Output[index])
            {
              return;
            }
            if (internals.Exchange)
            {
              staged[index].assign(data, data + count * internals.Geometry[index].points());
            }
            else if (internals.Writers[index])
            {
              internals.Writers[index]->write(data, count, first);
            }
          });
      });
    if (internals.Exchange)
    {
      for (std::size_t i = 0; i < layers.size(); ++i)
      {
        if (internals.Output[i])
        {
          internals.GatherLayer(i, round, staged[i]);
          staged[i] = std::vector<float>();
        }
      }
    }
    std::size_t done = 0;
    for (int q = 0; q < (internals.Exchange ? settings.NumberOfPieces : 1); ++q)
    {
      const int piece = internals.Exchange ? q : settings.Piece;
      done += std::min(internals.InferenceShare(piece).Count, (round + 1) * settings.BatchSize);
    }
    const bool go = !progress || progress(done);
    if (!internals.AllTrue(go))
    {
      return false;
    }
  }
  if (internals.Exchange)
  {
    internals.GatherPredictions();
  }
  return true;
}

void vtkCNNActivationCollectionBuilder::Assemble(vtkPartitionedDataSetCollection* output,
                                                 vtkTable* samplesTable,
                                                 const SampleInfo& info)
{
  vtkInternals& internals = *this->Internals;
  const auto& layers = internals.Capture->layers();
  const std::size_t samples = internals.Samples;
  vtkLogScopeF(TRACE, "assemble the output and range caches");

  // One partitioned dataset per output layer, side by side along X; a layer of another
  // piece keeps its place (and name) with no partition.
  vtkNew<vtkDataAssembly> assembly;
  assembly->SetRootNodeName(names::AssemblyRoot);
  unsigned int block = 0;
  double x = 0.0;
  for (std::size_t i = 0; i < layers.size(); ++i)
  {
    if (!internals.Output[i])
    {
      continue;
    }
    const auto& layer = layers[i];
    const auto& geometry = internals.Geometry[i];
    const double origin = x;
    x += static_cast<double>(geometry.Width) + LayerGap;
    vtkNew<vtkPartitionedDataSet> partitioned;
    if (internals.Owns(i))
    {
      vtkNew<vtkImageData> image;
      image->SetDimensions(static_cast<int>(geometry.Width),
                           static_cast<int>(geometry.Height),
                           static_cast<int>(geometry.Channels));
      image->SetOrigin(origin, 0.0, 0.0);
      vtkFloatArray* array = internals.Arrays[i];
      SetRangeCache(array, *internals.Writers[i], samples);
      image->GetPointData()->AddArray(array);
      image->GetPointData()->SetActiveScalars(names::Activation);
      AddString(image->GetFieldData(), names::LayerName, layer.Name);
      AddString(image->GetFieldData(), names::LayerType, layer.Type);
      AddString(image->GetFieldData(),
                names::OutputShape,
                cnnslicer::VolumeGeometry::describe(layer.SampleShape));
      vtkNew<vtkIntArray> index;
      index->SetName(names::LayerIndex);
      index->InsertNextValue(static_cast<int>(block));
      image->GetFieldData()->AddArray(index);
      partitioned->SetPartition(0, image);
      // The arrays now live in the output; the writers are done.
      internals.Arrays[i] = nullptr;
      internals.Writers[i].reset();
    }
    output->SetPartitionedDataSet(block, partitioned);
    output->GetMetaData(block)->Set(vtkCompositeDataSet::NAME(), layer.Name.c_str());
    int node = 0;
    for (const std::string& valid : cnnslicer::assemblyNodePath(layer.Name))
    {
      int child = -1;
      for (const int candidate : assembly->GetChildNodes(node, false))
      {
        if (valid == assembly->GetNodeName(candidate))
        {
          child = candidate;
        }
      }
      node = child >= 0 ? child : assembly->AddNode(valid.c_str(), node);
    }
    assembly->AddDataSetIndex(node, block);
    ++block;
  }
  output->SetDataAssembly(assembly);

  // Per-sample arrays: all samples on the collection, the piece's share in the table.
  vtkNew<vtkIdTypeArray> sampleIds;
  sampleIds->SetName(names::SampleId);
  vtkNew<vtkIntArray> labelArray;
  labelArray->SetName(names::Label);
  vtkNew<vtkIntArray> predictionArray;
  predictionArray->SetName(names::Prediction);
  for (std::size_t n = 0; n < samples; ++n)
  {
    sampleIds->InsertNextValue(
      static_cast<vtkIdType>(n < info.SampleIds.size() ? info.SampleIds[n] : n));
    labelArray->InsertNextValue(n < info.Labels.size() ? static_cast<int>(info.Labels[n]) : -1);
    predictionArray->InsertNextValue(static_cast<int>(internals.Predictions[n]));
  }
  vtkNew<vtkStringArray> classNames;
  classNames->SetName(names::ClassNames);
  for (const auto& name : info.ClassNames)
  {
    classNames->InsertNextValue(name);
  }
  output->GetFieldData()->AddArray(sampleIds);
  output->GetFieldData()->AddArray(labelArray);
  output->GetFieldData()->AddArray(predictionArray);
  output->GetFieldData()->AddArray(classNames);
  if (samplesTable == nullptr)
  {
    return;
  }
  const cnnslicer::SampleShare rows = internals.Share(internals.Settings.Piece);
  vtkNew<vtkIdTypeArray> rowIds;
  rowIds->SetName(names::SampleId);
  vtkNew<vtkIntArray> rowLabels;
  rowLabels->SetName(names::Label);
  vtkNew<vtkIntArray> rowPredictions;
  rowPredictions->SetName(names::Prediction);
  vtkNew<vtkDoubleArray> confidenceArray;
  confidenceArray->SetName(names::Confidence);
  vtkNew<vtkIntArray> correctArray;
  correctArray->SetName(names::Correct);
  for (std::size_t n = rows.First; n < rows.First + rows.Count; ++n)
  {
    const int label = labelArray->GetValue(static_cast<vtkIdType>(n));
    rowIds->InsertNextValue(sampleIds->GetValue(static_cast<vtkIdType>(n)));
    rowLabels->InsertNextValue(label);
    rowPredictions->InsertNextValue(static_cast<int>(internals.Predictions[n]));
    confidenceArray->InsertNextValue(internals.Confidences[n]);
    correctArray->InsertNextValue(label >= 0 && label == internals.Predictions[n] ? 1 : 0);
  }
  samplesTable->AddColumn(rowIds);
  samplesTable->AddColumn(rowLabels);
  samplesTable->AddColumn(rowPredictions);
  samplesTable->AddColumn(confidenceArray);
  samplesTable->AddColumn(correctArray);
}
