#include "vtkCNNLayerCollection.h"

#include "DataModelNames.h"

#include "vtkAbstractArray.h"
#include "vtkCompositeDataSet.h"
#include "vtkDataObjectTree.h"
#include "vtkDataObjectTreeIterator.h"
#include "vtkFieldData.h"
#include "vtkImageData.h"
#include "vtkInformation.h"
#include "vtkPartitionedDataSet.h"
#include "vtkPartitionedDataSetCollection.h"
#include "vtkSmartPointer.h"
#include "vtkVariant.h"

#include <cstdlib>

namespace names = cnnslicer::names;

std::string vtkCNNLayerCollection::FieldString(vtkFieldData* fieldData,
                                               const char* name,
                                               const std::string& fallback)
{
  vtkAbstractArray* array = fieldData ? fieldData->GetAbstractArray(name) : nullptr;
  if (array == nullptr || array->GetNumberOfValues() == 0)
  {
    return fallback;
  }
  return array->GetVariantValue(0).ToString();
}

bool vtkCNNLayerCollection::Collect(vtkDataObject* data,
                                    std::vector<vtkCNNLayerBlock>& layers,
                                    std::vector<std::string>& warnings)
{
  const std::size_t first = layers.size();
  auto add =
    [&](vtkDataObject* block, const std::string& name, unsigned int where, unsigned int partition)
  {
    if (auto image = vtkImageData::SafeDownCast(block))
    {
      vtkCNNLayerBlock layer;
      layer.Image = image;
      layer.BlockName = name;
      layer.Block = where;
      layer.Partition = partition;
      vtkFieldData* fd = image->GetFieldData();
      layer.LayerName = FieldString(fd, names::LayerName, name);
      layer.LayerType = FieldString(fd, names::LayerType);
      layer.LayerIndex = std::strtod(
        FieldString(fd, names::LayerIndex, std::to_string(layers.size() - first)).c_str(), nullptr);
      layer.OutputShape = FieldString(fd, names::OutputShape);
      layers.push_back(layer);
    }
    else if (block != nullptr)
    {
      warnings.push_back("Skipping block '" + name + "': it is a " + block->GetClassName() +
                         ", not an activation volume (vtkImageData).");
    }
  };
  if (vtkImageData::SafeDownCast(data) != nullptr)
  {
    add(data, "image", 0, 0);
  }
  else if (auto collection = vtkPartitionedDataSetCollection::SafeDownCast(data))
  {
    for (unsigned int i = 0; i < collection->GetNumberOfPartitionedDataSets(); ++i)
    {
      std::string name = "block " + std::to_string(i);
      if (collection->HasMetaData(i) &&
          collection->GetMetaData(i)->Has(vtkCompositeDataSet::NAME()))
      {
        name = collection->GetMetaData(i)->Get(vtkCompositeDataSet::NAME());
      }
      vtkPartitionedDataSet* dataset = collection->GetPartitionedDataSet(i);
      for (unsigned int j = 0; dataset != nullptr && j < dataset->GetNumberOfPartitions(); ++j)
      {
        add(dataset->GetPartitionAsDataObject(j), name, i, j);
      }
    }
  }
  else if (auto tree = vtkDataObjectTree::SafeDownCast(data))
  {
    vtkSmartPointer<vtkDataObjectTreeIterator> it = vtk::TakeSmartPointer(tree->NewTreeIterator());
    it->VisitOnlyLeavesOn();
    it->SkipEmptyNodesOn();
    for (it->InitTraversal(); !it->IsDoneWithTraversal(); it->GoToNextItem())
    {
      const unsigned int index = it->GetCurrentFlatIndex();
      std::string name = "block " + std::to_string(index);
      if (it->HasCurrentMetaData() && it->GetCurrentMetaData()->Has(vtkCompositeDataSet::NAME()))
      {
        name = it->GetCurrentMetaData()->Get(vtkCompositeDataSet::NAME());
      }
      add(it->GetCurrentDataObject(), name, index, 0);
    }
  }
  else
  {
    return false;
  }
  return true;
}
