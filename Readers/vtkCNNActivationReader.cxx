#include "vtkCNNActivationReader.h"

#include "ActivationVolume.h"
#include "DatasetError.h"
#include "DatasetLoader.h"
#include "ImageFolderScanner.h"
#include "ModelCapture.h"
#include "ModelMetadata.h"
#include "Preprocessing.h"
#include "SampleSelection.h"

#include "vtkDataArraySelection.h"
#include "vtkDataAssembly.h"
#include "vtkDoubleArray.h"
#include "vtkFloatArray.h"
#include "vtkIdTypeArray.h"
#include "vtkImageData.h"
#include "vtkImageReader2.h"
#include "vtkImageReader2Factory.h"
#include "vtkInformation.h"
#include "vtkInformationVector.h"
#include "vtkIntArray.h"
#include "vtkLogger.h"
#include "vtkObjectFactory.h"
#include "vtkPartitionedDataSet.h"
#include "vtkPartitionedDataSetCollection.h"
#include "vtkPointData.h"
#include "vtkSmartPointer.h"
#include "vtkStreamingDemandDrivenPipeline.h"
#include "vtkStringArray.h"
#include "vtkTable.h"
#include "vtkUnsignedCharArray.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <new>
#include <regex>

namespace
{

/// Gap between neighbouring layers along X, in voxels.
constexpr double LayerGap = 4.0;

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

int vtkCNNActivationReader::RequestInformation(vtkInformation*,
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
    vtkErrorMacro(<< e.what());
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
    vtkErrorMacro(<< "No model file: set FileNames to a TorchScript archive (.pt), or open one "
                     "with File > Open.");
    return 0;
  }
  if (!internals.InformationValid)
  {
    // RequestInformation already reported what is wrong.
    return 0;
  }
  if (this->DatasetFileName.empty())
  {
    vtkErrorMacro(
      << "No dataset: set DatasetFileName to an IDX, CIFAR-10, .npy file or image folder.");
    return 0;
  }
  if (this->MemoryEstimate > this->MemoryLimit)
  {
    vtkErrorMacro(<< "The selected samples and layers need " << std::lround(this->MemoryEstimate)
                  << " MB, above the memory limit of " << std::lround(this->MemoryLimit)
                  << " MB; lower MaximumSamples, deselect layers, or raise MemoryLimit.");
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
    const std::size_t samples = internals.Selected.size();
    const std::size_t logits = layers.size() - 1;
    vtkLogF(TRACE,
            "reading %zu samples of '%s' through '%s'",
            internals.Selected.size(),
            this->DatasetFileName.c_str(),
            this->FileNames[fileIndex].c_str());
    std::vector<bool> wanted(layers.size(), false);
    std::vector<vtkSmartPointer<vtkFloatArray>> arrays(layers.size());
    std::vector<std::unique_ptr<cnnslicer::ActivationVolumeWriter>> writers(layers.size());
    for (std::size_t i = 0; i < layers.size(); ++i)
    {
      wanted[i] = internals.LayerSelection->ArrayIsEnabled(layers[i].Name.c_str()) != 0;
      if (wanted[i] && !layers[i].Executed)
      {
        vtkWarningMacro(<< "Layer '" << layers[i].Name
                        << "' is not reached for this input (a branch not taken); it is left out.");
        wanted[i] = false;
      }
      if (!wanted[i])
      {
        continue;
      }
      const auto geometry = cnnslicer::VolumeGeometry::fromSampleShape(layers[i].SampleShape);
      arrays[i] = vtkSmartPointer<vtkFloatArray>::New();
      arrays[i]->SetName("activation");
      arrays[i]->SetNumberOfComponents(static_cast<int>(samples));
      // Resize reports a failed allocation (VTK does not throw).
      if (!arrays[i]->Resize(static_cast<vtkIdType>(geometry.points())))
      {
        throw std::bad_alloc();
      }
      arrays[i]->SetNumberOfTuples(static_cast<vtkIdType>(geometry.points()));
      writers[i] = std::make_unique<cnnslicer::ActivationVolumeWriter>(
        arrays[i]->GetPointer(0), geometry, samples, this->NumberOfThreads);
    }
    // Predictions need the logits even when that layer is not shown.
    std::vector<bool> run = wanted;
    run[logits] = true;

    std::vector<std::int64_t> predictions(samples, -1);
    std::vector<double> confidences(samples, std::nan(""));
    const std::size_t perSample = internals.Dataset.valuesPerSample();
    const auto batchSize = static_cast<std::size_t>(this->BatchSize);
    std::vector<float> batch(batchSize * perSample);
    {
      vtkLogScopeF(
        TRACE, "inference and layout of %zu samples in batches of %zu", samples, batchSize);
      for (std::size_t first = 0; first < samples; first += batchSize)
      {
        const std::size_t count = std::min(batchSize, samples - first);
        cnnslicer::preprocessSamples(
          internals.Dataset, internals.Selected.data() + first, count, preprocessing, batch.data());
        capture.run(
          batch.data(),
          static_cast<std::int64_t>(count),
          sampleShape,
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
                predictions[first + b] = static_cast<std::int64_t>(best);
                confidences[first + b] = 1.0 / sum;
              }
            }
            if (writers[index])
            {
              writers[index]->write(data, count, first);
            }
          });
        this->UpdateProgress(static_cast<double>(first + count) / static_cast<double>(samples));
        if (this->CheckAbort())
        {
          vtkWarningMacro(<< "Interrupted after " << first + count << " of " << samples
                          << " samples.");
          return 0;
        }
      }
    }

    // Assemble the collection: one partitioned dataset per layer, side by side along X.
    vtkLogScopeF(TRACE, "assemble the output and range caches");
    vtkNew<vtkDataAssembly> assembly;
    assembly->SetRootNodeName("network");
    unsigned int block = 0;
    double x = 0.0;
    for (std::size_t i = 0; i < layers.size(); ++i)
    {
      if (!wanted[i])
      {
        continue;
      }
      const auto& layer = layers[i];
      const auto geometry = cnnslicer::VolumeGeometry::fromSampleShape(layer.SampleShape);
      vtkNew<vtkImageData> image;
      image->SetDimensions(static_cast<int>(geometry.Width),
                           static_cast<int>(geometry.Height),
                           static_cast<int>(geometry.Channels));
      image->SetOrigin(x, 0.0, 0.0);
      x += static_cast<double>(geometry.Width) + LayerGap;

      // The range cache, set after the last write, spares ParaView a pass over the data.
      vtkFloatArray* array = arrays[i];
      array->Modified();
      // One vtkInformation per component (VTK's cache layout): 2 objects each, so a
      // vector is shared by both keys when no value is NaN or infinite (the usual case).
      const auto& all = writers[i]->componentRanges();
      const auto& finite = writers[i]->finiteComponentRanges();
      auto makeRanges = [samples](const std::vector<cnnslicer::ActivationVolumeWriter::Range>& r)
      {
        vtkSmartPointer<vtkInformationVector> vector = vtkSmartPointer<vtkInformationVector>::New();
        vector->SetNumberOfInformationObjects(static_cast<int>(samples));
        for (std::size_t n = 0; n < samples; ++n)
        {
          const double range[2] = { r[n].Low, r[n].High };
          vector->GetInformationObject(static_cast<int>(n))
            ->Set(vtkDataArray::COMPONENT_RANGE(), range, 2);
        }
        return vector;
      };
      const bool allFinite =
        std::equal(all.begin(),
                   all.end(),
                   finite.begin(),
                   [](const auto& a, const auto& b) { return a.Low == b.Low && a.High == b.High; });
      vtkInformation* arrayInfo = array->GetInformation();
      const vtkSmartPointer<vtkInformationVector> ranges = makeRanges(all);
      arrayInfo->Set(vtkDataArray::PER_COMPONENT(), ranges);
      arrayInfo->Set(vtkDataArray::PER_FINITE_COMPONENT(), allFinite ? ranges : makeRanges(finite));
      const auto norm = writers[i]->normRange();
      const double normRange[2] = { norm.Low, norm.High };
      arrayInfo->Set(vtkDataArray::L2_NORM_RANGE(), normRange, 2);
      if (allFinite)
      {
        // With non-finite values the finite norm range is left for VTK to compute.
        arrayInfo->Set(vtkDataArray::L2_NORM_FINITE_RANGE(), normRange, 2);
      }
      image->GetPointData()->AddArray(array);
      image->GetPointData()->SetActiveScalars("activation");

      auto addString = [&](const char* name, const std::string& value)
      {
        vtkNew<vtkStringArray> s;
        s->SetName(name);
        s->InsertNextValue(value);
        image->GetFieldData()->AddArray(s);
      };
      addString("layer_name", layer.Name);
      addString("layer_type", layer.Type);
      addString("output_shape", cnnslicer::VolumeGeometry::describe(layer.SampleShape));
      vtkNew<vtkIntArray> index;
      index->SetName("layer_index");
      index->InsertNextValue(static_cast<int>(block));
      image->GetFieldData()->AddArray(index);
      vtkNew<vtkPartitionedDataSet> partitioned;
      partitioned->SetPartition(0, image);
      output->SetPartitionedDataSet(block, partitioned);
      output->GetMetaData(block)->Set(vtkCompositeDataSet::NAME(), layer.Name.c_str());
      // Assembly node: the module path ("layer1.0.bn1" -> layer1/_0/bn1), then the
      // operation for operation layers ("features.0/conv2d").
      std::vector<std::string> parts;
      std::string path = layer.Name.substr(0, layer.Name.find('#'));
      std::string op;
      if (path.find('/') != std::string::npos)
      {
        op = path.substr(path.find('/') + 1);
        path = path.substr(0, path.find('/'));
      }
      std::size_t start = 0;
      while (start <= path.size() && !path.empty())
      {
        const std::size_t dot = path.find('.', start);
        parts.push_back(
          path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
        if (dot == std::string::npos)
        {
          break;
        }
        start = dot + 1;
      }
      if (!op.empty())
      {
        parts.push_back(op);
      }
      int node = 0;
      for (const auto& part : parts)
      {
        const std::string valid = vtkDataAssembly::MakeValidNodeName(part.c_str());
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
    // Per-sample arrays on the collection and the sample table.
    const auto& labels = internals.Dataset.Labels;
    vtkNew<vtkIdTypeArray> sampleIds;
    sampleIds->SetName("sample_id");
    vtkNew<vtkIntArray> labelArray;
    labelArray->SetName("label");
    vtkNew<vtkIntArray> predictionArray;
    predictionArray->SetName("prediction");
    vtkNew<vtkDoubleArray> confidenceArray;
    confidenceArray->SetName("confidence");
    vtkNew<vtkIntArray> correctArray;
    correctArray->SetName("correct");
    for (std::size_t n = 0; n < samples; ++n)
    {
      const std::size_t s = internals.Selected[n];
      const int label = labels.empty() ? -1 : static_cast<int>(labels[s]);
      sampleIds->InsertNextValue(static_cast<vtkIdType>(s));
      labelArray->InsertNextValue(label);
      predictionArray->InsertNextValue(static_cast<int>(predictions[n]));
      confidenceArray->InsertNextValue(confidences[n]);
      correctArray->InsertNextValue(label >= 0 && label == predictions[n] ? 1 : 0);
    }
    vtkNew<vtkStringArray> classNames;
    classNames->SetName("class_names");
    const auto& names = !internals.Metadata.ClassNames.empty() ? internals.Metadata.ClassNames
                                                               : internals.Dataset.ClassNames;
    for (const auto& name : names)
    {
      classNames->InsertNextValue(name);
    }
    output->GetFieldData()->AddArray(sampleIds);
    output->GetFieldData()->AddArray(labelArray);
    output->GetFieldData()->AddArray(predictionArray);
    output->GetFieldData()->AddArray(classNames);
    samplesTable->AddColumn(sampleIds);
    samplesTable->AddColumn(labelArray);
    samplesTable->AddColumn(predictionArray);
    samplesTable->AddColumn(confidenceArray);
    samplesTable->AddColumn(correctArray);
  }
  catch (const std::bad_alloc&)
  {
    vtkErrorMacro(<< "Out of memory for " << internals.Selected.size()
                  << " samples; lower MaximumSamples or deselect layers.");
    return 0;
  }
  catch (const std::exception& e)
  {
    vtkErrorMacro(<< e.what());
    return 0;
  }
  return 1;
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
