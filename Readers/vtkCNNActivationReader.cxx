#include "vtkCNNActivationReader.h"

#include "vtkCNNActivationCollectionBuilder.h"
#include "vtkCNNSampleStreaming.h"

#include "ActivationVolume.h"
#include "DatasetError.h"
#include "DatasetLoader.h"
#include "ImageFolderScanner.h"
#include "ModelCapture.h"
#include "ModelMetadata.h"
#include "Preprocessing.h"
#include "SampleSelection.h"

#include "vtkDataArraySelection.h"
#include "vtkExecutive.h"
#include "vtkImageData.h"
#include "vtkImageReader2.h"
#include "vtkImageReader2Factory.h"
#include "vtkInformation.h"
#include "vtkInformationIdTypeKey.h"
#include "vtkInformationIntegerKey.h"
#include "vtkInformationIntegerRequestKey.h"
#include "vtkInformationKeyVectorKey.h"
#include "vtkInformationVector.h"
#include "vtkLogger.h"
#include "vtkMultiProcessController.h"
#include "vtkObjectFactory.h"
#include "vtkPartitionedDataSetCollection.h"
#include "vtkPointData.h"
#include "vtkSmartPointer.h"
#include "vtkStreamingDemandDrivenPipeline.h"
#include "vtkTable.h"
#include "vtkUnsignedCharArray.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <new>
#include <regex>

namespace
{

/// Trailing integer of a file's stem ("lenet_epoch_07.pt" -> 7), or -1.
long long TrailingInteger(const std::string& path)
{
  std::string name = path.substr(path.find_last_of("/\\") + 1);
  name = name.substr(0, name.find_last_of('.'));
  static const std::regex trailing("(\\d+)\\D*$");
  std::smatch match;
  return std::regex_search(name, match, trailing) ? std::stoll(match[1]) : -1;
}

/// Decodes an image folder with VTK's readers into an 8-bit dataset.
cnnslicer::Dataset DecodeImageFolder(const cnnslicer::ImageFolderScan& scan)
{
  cnnslicer::Dataset dataset;
  dataset.Type = cnnslicer::PixelType::UInt8;
  dataset.ClassNames = scan.ClassNames;
  dataset.Source = scan.Root;
  vtkNew<vtkImageReader2Factory> factory;
  for (const auto& entry : scan.Images)
  {
    vtkSmartPointer<vtkImageReader2> reader =
      vtk::TakeSmartPointer(factory->CreateImageReader2(entry.Path.c_str()));
    if (!reader)
    {
      throw cnnslicer::DatasetError(
        entry.Path, "is not an image VTK can decode", "use PNG or JPEG files");
    }
    reader->SetFileName(entry.Path.c_str());
    reader->Update();
    vtkImageData* image = reader->GetOutput();
    vtkDataArray* scalars = image ? image->GetPointData()->GetScalars() : nullptr;
    int dims[3] = { 0, 0, 0 };
    if (image)
    {
      image->GetDimensions(dims);
    }
    if (!scalars || dims[0] <= 0 || dims[1] <= 0 || scalars->GetDataType() != VTK_UNSIGNED_CHAR)
    {
      throw cnnslicer::DatasetError(
        entry.Path, "does not decode to an 8-bit image", "save it as an 8-bit PNG or JPEG");
    }
    // Alpha is dropped: networks take gray or RGB.
    const int components = scalars->GetNumberOfComponents();
    const std::size_t channels = components >= 3 ? 3 : 1;
    const auto width = static_cast<std::size_t>(dims[0]);
    const auto height = static_cast<std::size_t>(dims[1]);
    if (dataset.NumberOfSamples == 0)
    {
      dataset.Channels = channels;
      dataset.Height = height;
      dataset.Width = width;
    }
    else if (channels != dataset.Channels || height != dataset.Height || width != dataset.Width)
    {
      throw cnnslicer::DatasetError(entry.Path,
                                    "is " + std::to_string(channels) + "x" +
                                      std::to_string(height) + "x" + std::to_string(width) +
                                      " but earlier images are " + dataset.shapeString(),
                                    "resize the images of the folder to one size");
    }
    auto pixels = vtkUnsignedCharArray::SafeDownCast(scalars);
    const std::size_t base = dataset.UInt8Pixels.size();
    dataset.UInt8Pixels.resize(base + channels * height * width);
    for (std::size_t c = 0; c < channels; ++c)
    {
      for (std::size_t row = 0; row < height; ++row)
      {
        // VTK puts image row 0 (the top) at y = H - 1.
        const std::size_t y = height - 1 - row;
        for (std::size_t x = 0; x < width; ++x)
        {
          dataset.UInt8Pixels[base + (c * height + row) * width + x] =
            pixels->GetValue(static_cast<vtkIdType>((y * width + x) * components + c));
        }
      }
    }
    dataset.Labels.push_back(entry.Label);
    ++dataset.NumberOfSamples;
  }
  dataset.validate();
  return dataset;
}

} // namespace

class vtkCNNActivationReader::vtkInternals
{
public:
  vtkNew<vtkDataArraySelection> LayerSelection;

  std::unique_ptr<cnnslicer::ModelCapture> Capture;
  std::string CaptureKey;
  cnnslicer::ModelMetadata Metadata;

  cnnslicer::Dataset Dataset;
  std::string DatasetKey;
  std::vector<std::size_t> Selected;
  std::vector<double> TimeValues;
  std::vector<std::string> LayerNamesOfModel;
  /// False after a failed RequestInformation: RequestData must not run on stale state.
  bool InformationValid = false;
  /// The last error reported and the reader's modification time then (ReportErrorOnce).
  std::string ReportedError;
  vtkMTimeType ReportedErrorTime = 0;

  /// Loads (or reuses) the model of @p file; refuses one whose tensors exceed the limit.
  void LoadModel(const std::string& file, int granularity, double memoryLimitMB)
  {
    const std::string key =
      file + "|" + std::to_string(granularity) + "|" + std::to_string(memoryLimitMB);
    if (this->Capture && this->CaptureKey == key)
    {
      return;
    }
    this->Capture.reset();
    this->Capture = std::make_unique<cnnslicer::ModelCapture>(
      file,
      static_cast<cnnslicer::CaptureGranularity>(granularity),
      static_cast<std::uint64_t>(memoryLimitMB * 1024.0 * 1024.0));
    this->CaptureKey = key;
    this->Metadata =
      this->Capture->metadata().empty()
        ? cnnslicer::ModelMetadata()
        : cnnslicer::parseModelMetadata(this->Capture->metadata(), file + ":cnnslicer.json");
  }

  /// Loads (or reuses) the dataset.
  void LoadDataset(const std::string& path, const std::string& labels, int format, int split)
  {
    const std::string key =
      path + "|" + labels + "|" + std::to_string(format) + "|" + std::to_string(split);
    if (this->DatasetKey == key)
    {
      return;
    }
    this->DatasetKey.clear();
    const bool imageFolder =
      format == FORMAT_IMAGE_FOLDER ||
      (format == FORMAT_AUTOMATIC &&
       cnnslicer::detectDatasetFormat(path) == cnnslicer::DatasetFormat::ImageFolder);
    if (imageFolder)
    {
      this->Dataset = DecodeImageFolder(cnnslicer::scanImageFolder(path));
    }
    else
    {
      cnnslicer::DatasetRequest request;
      request.Path = path;
      request.LabelsPath = labels;
      request.Split = split == 1 ? "train" : "";
      this->Dataset = cnnslicer::loadDataset(request);
    }
    this->DatasetKey = key;
  }
};

vtkStandardNewMacro(vtkCNNActivationReader);

vtkCNNActivationReader::vtkCNNActivationReader()
  : Internals(new vtkInternals)
{
  this->SetNumberOfInputPorts(0);
  this->SetNumberOfOutputPorts(2);
}

vtkCNNActivationReader::~vtkCNNActivationReader() = default;

void vtkCNNActivationReader::AddFileName(const char* fileName)
{
  if (fileName != nullptr && *fileName != '\0')
  {
    this->FileNames.emplace_back(fileName);
    this->Modified();
  }
}

void vtkCNNActivationReader::RemoveAllFileNames()
{
  if (!this->FileNames.empty())
  {
    this->FileNames.clear();
    this->Modified();
  }
}

unsigned int vtkCNNActivationReader::GetNumberOfFileNames() const
{
  return static_cast<unsigned int>(this->FileNames.size());
}

const char* vtkCNNActivationReader::GetFileName(unsigned int index) const
{
  return index < this->FileNames.size() ? this->FileNames[index].c_str() : nullptr;
}

void vtkCNNActivationReader::SetFileName(const char* fileName)
{
  this->FileNames.clear();
  this->AddFileName(fileName);
  this->Modified();
}

int vtkCNNActivationReader::CanReadFile(const char* fileName)
{
  // torch.jit.save writes a zip archive: "PK\3\4".
  std::ifstream in(fileName, std::ios::binary);
  char magic[4] = { 0, 0, 0, 0 };
  in.read(magic, 4);
  return in.gcount() == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4;
}

void vtkCNNActivationReader::AddSelectedClass(int label)
{
  this->SelectedClasses.push_back(label);
  this->Modified();
}

void vtkCNNActivationReader::RemoveAllSelectedClasses()
{
  if (!this->SelectedClasses.empty())
  {
    this->SelectedClasses.clear();
    this->Modified();
  }
}

void vtkCNNActivationReader::AddMean(double value)
{
  this->Means.push_back(value);
  this->Modified();
}

void vtkCNNActivationReader::RemoveAllMeans()
{
  if (!this->Means.empty())
  {
    this->Means.clear();
    this->Modified();
  }
}

void vtkCNNActivationReader::AddStd(double value)
{
  this->Stds.push_back(value);
  this->Modified();
}

void vtkCNNActivationReader::RemoveAllStds()
{
  if (!this->Stds.empty())
  {
    this->Stds.clear();
    this->Modified();
  }
}

vtkDataArraySelection* vtkCNNActivationReader::GetLayerSelection()
{
  return this->Internals->LayerSelection;
}

int vtkCNNActivationReader::GetNumberOfLayerArrays()
{
  return this->Internals->LayerSelection->GetNumberOfArrays();
}

const char* vtkCNNActivationReader::GetLayerArrayName(int index)
{
  return this->Internals->LayerSelection->GetArrayName(index);
}

int vtkCNNActivationReader::GetLayerArrayStatus(const char* name)
{
  return this->Internals->LayerSelection->ArrayIsEnabled(name);
}

void vtkCNNActivationReader::SetLayerArrayStatus(const char* name, int status)
{
  if (this->GetLayerArrayStatus(name) != (status != 0 ? 1 : 0))
  {
    if (status != 0)
    {
      this->Internals->LayerSelection->EnableArray(name);
    }
    else
    {
      this->Internals->LayerSelection->DisableArray(name);
    }
    this->Modified();
  }
}

int vtkCNNActivationReader::FillOutputPortInformation(int port, vtkInformation* info)
{
  info->Set(vtkDataObject::DATA_TYPE_NAME(),
            port == 0 ? "vtkPartitionedDataSetCollection" : "vtkTable");
  return 1;
}

int vtkCNNActivationReader::RequestInformation(vtkInformation* request,
                                               vtkInformationVector**,
                                               vtkInformationVector* outputVector)
{
  vtkInternals& internals = *this->Internals;
  internals.InformationValid = false;
  if (this->FileNames.empty())
  {
    // Nothing chosen yet (a proxy being set up): RequestData reports it if it stays so.
    return 1;
  }

  // Checkpoints are time steps; the epoch in each file name is its time.
  internals.TimeValues.clear();
  bool epochs = true;
  for (const auto& file : this->FileNames)
  {
    const long long epoch = TrailingInteger(file);
    epochs = epochs && epoch >= 0;
    internals.TimeValues.push_back(static_cast<double>(epoch));
  }
  std::vector<double> sorted = internals.TimeValues;
  std::sort(sorted.begin(), sorted.end());
  if (!epochs || std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
  {
    for (std::size_t i = 0; i < internals.TimeValues.size(); ++i)
    {
      internals.TimeValues[i] = static_cast<double>(i);
    }
  }
  vtkInformation* outInfo = outputVector->GetInformationObject(0);
  outInfo->Remove(vtkStreamingDemandDrivenPipeline::TIME_STEPS());
  outInfo->Remove(vtkStreamingDemandDrivenPipeline::TIME_RANGE());
  if (this->FileNames.size() > 1)
  {
    std::vector<double> steps = internals.TimeValues;
    std::sort(steps.begin(), steps.end());
    outInfo->Set(
      vtkStreamingDemandDrivenPipeline::TIME_STEPS(), steps.data(), static_cast<int>(steps.size()));
    const double range[2] = { steps.front(), steps.back() };
    outInfo->Set(vtkStreamingDemandDrivenPipeline::TIME_RANGE(), range, 2);
  }
  // Pieces are sets of whole layers (vtkCNNActivationCollectionBuilder), so that a
  // parallel run's filters see every sample of each layer on one process.
  outInfo->Set(vtkAlgorithm::CAN_HANDLE_PIECE_REQUEST(), 1);

  try
  {
    internals.LoadModel(this->FileNames.front(), this->Granularity, this->MemoryLimit);
    if (internals.Capture->fellBackToOperations())
    {
      vtkWarningMacro(
        << "'" << this->FileNames.front()
        << "' has no module calls (a frozen model?): capturing every operation instead.");
    }
    if (!this->DatasetFileName.empty())
    {
      internals.LoadDataset(
        this->DatasetFileName, this->LabelsFileName, this->DatasetFormat, this->Split);
      cnnslicer::SampleSelection selection;
      selection.MaximumSamples = static_cast<std::size_t>(this->MaximumSamples);
      selection.FirstIndex = static_cast<std::size_t>(this->FirstSample);
      selection.Stride = static_cast<std::size_t>(this->Stride);
      selection.Classes.assign(this->SelectedClasses.begin(), this->SelectedClasses.end());
      selection.PerClass = static_cast<std::size_t>(this->SamplesPerClass);
      internals.Selected = cnnslicer::selectSamples(internals.Dataset.NumberOfSamples,
                                                    internals.Dataset.Labels,
                                                    selection,
                                                    this->DatasetFileName);
      if (internals.Metadata.hasInputShape())
      {
        cnnslicer::checkModelInputShape(
          internals.Dataset, internals.Metadata.InputShape, this->FileNames.front());
      }
      internals.Capture->inferShapes(internals.Dataset.sampleShape());
    }
  }
  catch (const std::exception& e)
  {
    this->ReportErrorOnce(e.what());
    return 0;
  }

  // Fill the layer list; a new model resets it, the same model keeps the user's choice.
  std::vector<std::string> names;
  for (const auto& layer : internals.Capture->layers())
  {
    names.push_back(layer.Name);
  }
  if (names != internals.LayerNamesOfModel)
  {
    internals.LayerSelection->RemoveAllArrays();
    for (const auto& name : names)
    {
      internals.LayerSelection->AddArray(name.c_str(), true);
    }
    internals.LayerNamesOfModel = names;
  }
  this->NumberOfLayers = static_cast<int>(names.size());

  // What the current choice needs: one float per point, layer and sample.
  double bytes = 0.0;
  for (const auto& layer : internals.Capture->layers())
  {
    if (layer.Executed && internals.LayerSelection->ArrayIsEnabled(layer.Name.c_str()))
    {
      bytes += 4.0 *
               static_cast<double>(
                 cnnslicer::VolumeGeometry::fromSampleShape(layer.SampleShape).points()) *
               static_cast<double>(internals.Selected.size());
    }
  }
  this->MemoryEstimate = bytes / (1024.0 * 1024.0);
  // For a streaming consumer (vtkCNNSampleStreaming): the selection's size, and batch -1,
  // the ordinary output of every selected sample, until a consumer asks for a batch.
  outInfo->Set(vtkCNNSampleStreaming::NUMBER_OF_SAMPLES(),
               static_cast<vtkIdType>(internals.Selected.size()));
  outInfo->Set(vtkCNNSampleStreaming::SAMPLE_BATCH(), -1);
  request->AppendUnique(vtkExecutive::KEYS_TO_COPY(), vtkCNNSampleStreaming::NUMBER_OF_SAMPLES());
  internals.InformationValid = true;
  return 1;
}

int vtkCNNActivationReader::RequestData(vtkInformation*,
                                        vtkInformationVector**,
                                        vtkInformationVector* outputVector)
{
  vtkInternals& internals = *this->Internals;
  if (this->FileNames.empty())
  {
    this->ReportErrorOnce("No model file: set FileNames to a TorchScript archive (.pt), or "
                          "open one with File > Open.");
    return 0;
  }
  if (!internals.InformationValid)
  {
    // RequestInformation already reported what is wrong.
    return 0;
  }
  if (this->DatasetFileName.empty())
  {
    this->ReportErrorOnce("No dataset: choose the Dataset File Name (an IDX, CIFAR-10 or .npy "
                          "file, or an image folder) in the reader's properties, then Apply.");
    return 0;
  }
  // The checkpoint of the requested time.
  vtkInformation* outInfo = outputVector->GetInformationObject(0);
  std::size_t fileIndex = 0;
  if (outInfo->Has(vtkStreamingDemandDrivenPipeline::UPDATE_TIME_STEP()) &&
      this->FileNames.size() > 1)
  {
    const double t = outInfo->Get(vtkStreamingDemandDrivenPipeline::UPDATE_TIME_STEP());
    double best = std::numeric_limits<double>::infinity();
    for (std::size_t i = 0; i < internals.TimeValues.size(); ++i)
    {
      if (std::abs(internals.TimeValues[i] - t) < best)
      {
        best = std::abs(internals.TimeValues[i] - t);
        fileIndex = i;
      }
    }
  }

  auto output = vtkPartitionedDataSetCollection::GetData(outputVector, 0);
  auto samplesTable = vtkTable::GetData(outputVector, 1);
  try
  {
    internals.LoadModel(this->FileNames[fileIndex], this->Granularity, this->MemoryLimit);
    cnnslicer::ModelCapture& capture = *internals.Capture;
    const std::vector<std::int64_t> sampleShape = internals.Dataset.sampleShape();
    capture.inferShapes(sampleShape);
    cnnslicer::ModelCapture::setThreads(this->NumberOfThreads);

    cnnslicer::PreprocessingOverrides overrides;
    if (this->NormalizationMode == 1)
    {
      overrides.Mean = std::vector<float>();
      overrides.Std = std::vector<float>();
    }
    else if (this->NormalizationMode == 2)
    {
      overrides.Mean = std::vector<float>(this->Means.begin(), this->Means.end());
      overrides.Std = std::vector<float>(this->Stds.begin(), this->Stds.end());
    }
    overrides.ScaleUInt8 = this->ScaleToUnitRange;
    const cnnslicer::PreprocessingOptions preprocessing =
      cnnslicer::resolvePreprocessing(internals.Metadata, overrides);
    cnnslicer::validatePreprocessing(
      preprocessing, internals.Dataset.Channels, this->DatasetFileName);

    const auto& layers = capture.layers();
    // A streaming consumer asks for one batch of the selection (vtkCNNSampleStreaming);
    // anyone else gets every selected sample.
    const std::size_t* chosen = internals.Selected.data();
    std::size_t samples = internals.Selected.size();
    const int requestedBatch = vtkCNNSampleStreaming::RequestedBatch(outInfo);
    if (requestedBatch >= 0)
    {
      const auto batchSize =
        static_cast<std::size_t>(outInfo->Get(vtkCNNSampleStreaming::SAMPLE_BATCH_SIZE()));
      const std::size_t first = static_cast<std::size_t>(requestedBatch) * batchSize;
      if (first >= samples)
      {
        this->ReportErrorOnce("Batch " + std::to_string(requestedBatch) + " of " +
                              std::to_string(batchSize) + " samples is past the " +
                              std::to_string(samples) + " selected samples.");
        return 0;
      }
      chosen += first;
      samples = std::min(batchSize, samples - first);
    }
    vtkLogF(TRACE,
            "reading %zu samples of '%s' through '%s'",
            samples,
            this->DatasetFileName.c_str(),
            this->FileNames[fileIndex].c_str());
    vtkCNNActivationCollectionBuilder::Options options;
    options.Layers.assign(layers.size(), false);
    for (std::size_t i = 0; i < layers.size(); ++i)
    {
      options.Layers[i] = internals.LayerSelection->ArrayIsEnabled(layers[i].Name.c_str()) != 0;
      if (options.Layers[i] && !layers[i].Executed)
      {
        vtkWarningMacro(<< "Layer '" << layers[i].Name
                        << "' is not reached for this input (a branch not taken); it is left out.");
      }
    }
    options.BatchSize = static_cast<std::size_t>(this->BatchSize);
    options.Threads = this->NumberOfThreads;
    // A parallel run asks each process for one piece: it gets whole layers, and the
    // processes share the inference (Documentation/parallel.md).
    options.Piece = outInfo->Has(vtkStreamingDemandDrivenPipeline::UPDATE_PIECE_NUMBER())
                      ? outInfo->Get(vtkStreamingDemandDrivenPipeline::UPDATE_PIECE_NUMBER())
                      : 0;
    options.NumberOfPieces =
      outInfo->Has(vtkStreamingDemandDrivenPipeline::UPDATE_NUMBER_OF_PIECES())
        ? std::max(1, outInfo->Get(vtkStreamingDemandDrivenPipeline::UPDATE_NUMBER_OF_PIECES()))
        : 1;
    options.Controller = vtkMultiProcessController::GetGlobalController();
    vtkCNNActivationCollectionBuilder builder(capture, sampleShape, samples, options);
    // The limit is per process; every process checks the largest piece, so that all
    // of them stop, or none.
    const double pieceMB = builder.LargestPieceBytes() / (1024.0 * 1024.0);
    if (pieceMB > this->MemoryLimit)
    {
      this->ReportErrorOnce(
        "The selected samples and layers need " + std::to_string(std::lround(pieceMB)) +
        " MB, above the memory limit of " + std::to_string(std::lround(this->MemoryLimit)) +
        " MB; lower MaximumSamples, deselect layers, or raise MemoryLimit.");
      return 0;
    }

    const std::size_t perSample = internals.Dataset.valuesPerSample();
    std::vector<float> batch;
    std::size_t done = 0;
    const bool finished = builder.Run(
      [&](std::size_t first, std::size_t count)
      {
        batch.resize(count * perSample);
        cnnslicer::preprocessSamples(
          internals.Dataset, chosen + first, count, preprocessing, batch.data());
        return batch.data();
      },
      [&](std::size_t laidOut)
      {
        done = laidOut;
        this->UpdateProgress(static_cast<double>(laidOut) / static_cast<double>(samples));
        return this->CheckAbort() == 0;
      });
    if (!finished)
    {
      vtkWarningMacro(<< "Interrupted after " << done << " of " << samples << " samples.");
      return 0;
    }

    vtkCNNActivationCollectionBuilder::SampleInfo info;
    for (std::size_t n = 0; n < samples; ++n)
    {
      const std::size_t s = chosen[n];
      info.SampleIds.push_back(static_cast<std::int64_t>(s));
      if (!internals.Dataset.Labels.empty())
      {
        info.Labels.push_back(internals.Dataset.Labels[s]);
      }
    }
    info.ClassNames = !internals.Metadata.ClassNames.empty() ? internals.Metadata.ClassNames
                                                             : internals.Dataset.ClassNames;
    builder.Assemble(output, samplesTable, info);
  }
  catch (const std::bad_alloc&)
  {
    this->ReportErrorOnce("Out of memory for " + std::to_string(internals.Selected.size()) +
                          " samples; lower MaximumSamples or deselect layers.");
    return 0;
  }
  catch (const std::exception& e)
  {
    this->ReportErrorOnce(e.what());
    return 0;
  }
  return 1;
}

void vtkCNNActivationReader::ReportErrorOnce(const std::string& message)
{
  vtkInternals& internals = *this->Internals;
  if (message == internals.ReportedError && this->GetMTime() == internals.ReportedErrorTime)
  {
    return;
  }
  internals.ReportedError = message;
  internals.ReportedErrorTime = this->GetMTime();
  vtkErrorMacro(<< message);
}

void vtkCNNActivationReader::PrintSelf(ostream& os, vtkIndent indent)
{
  this->Superclass::PrintSelf(os, indent);
  for (const auto& file : this->FileNames)
  {
    os << indent << "FileName: " << file << "\n";
  }
  os << indent << "DatasetFileName: " << this->DatasetFileName << "\n";
  os << indent << "LabelsFileName: " << this->LabelsFileName << "\n";
  os << indent << "MaximumSamples: " << this->MaximumSamples << "\n";
  os << indent << "BatchSize: " << this->BatchSize << "\n";
  os << indent << "MemoryEstimate: " << this->MemoryEstimate << " MB\n";
}
