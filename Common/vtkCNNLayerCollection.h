/**
 * @class vtkCNNLayerCollection
 * @brief The one walk over the reader's output: its layers, with their field data.
 *
 * Every consumer of activation volumes (the entropy filters, the Feature Map Mosaic, the CNN
 * Slicer panel) finds its layers here, so that "layer" means the same everywhere
 * (Documentation/design.md sections 2.3 and 2.4). A *layer* is one activation volume, a
 * vtkImageData:
 *
 * - a vtkImageData input is one layer, block name "image";
 * - a vtkPartitionedDataSetCollection (the reader's output) gives one layer per image
 *   partition, in collection order, block name = the partitioned dataset's NAME (the layer
 *   name; "block <i>" when it has none). The reader gives each process whole layers, one image
 *   per partitioned dataset, and leaves the dataset empty on the other processes of an MPI run
 *   (section 5): there it yields no layer, and `Block` tells which dataset each layer is in.
 *   A dataset with several image partitions (e.g. a volume split by a redistributing filter)
 *   yields several layers with the same `Block`; views that show one thing per network layer
 *   (mosaic, panel) take the first of them;
 * - any other vtkDataObjectTree gives one layer per image leaf, in traversal order, block name =
 *   the leaf's NAME ("block <flat index>" when it has none).
 *
 * Leaves that are not images are skipped, each with a line in the warnings.
 */
#ifndef vtkCNNLayerCollection_h
#define vtkCNNLayerCollection_h

#include "CNNSlicerCommonModule.h" // for export macro

#include <string>
#include <vector>

class vtkDataObject;
class vtkFieldData;
class vtkImageData;

/// One layer (activation volume) of an input, and what its field data say about it.
struct vtkCNNLayerBlock
{
  vtkImageData* Image = nullptr;
  /// Block name in the composite data set (see vtkCNNLayerCollection for the fallbacks).
  std::string BlockName;
  /// Partitioned dataset and partition of the image in a vtkPartitionedDataSetCollection; the
  /// flat index of the leaf in another tree; 0 and 0 for a vtkImageData input.
  unsigned int Block = 0;
  unsigned int Partition = 0;
  /// `layer_name`, `layer_type`, `layer_index` and `output_shape` from the image's field data
  /// (the reader writes them, section 2.4), else the block name, "", the layer's ordinal among
  /// the layers found and "".
  std::string LayerName;
  std::string LayerType;
  double LayerIndex = 0.0;
  std::string OutputShape;
};

class CNNSLICERCOMMON_EXPORT vtkCNNLayerCollection
{
public:
  /**
   * Appends the layers of @p data to @p layers and a line per skipped leaf to @p warnings.
   * Returns false when @p data is neither a vtkImageData nor a vtkDataObjectTree (or null).
   */
  static bool Collect(vtkDataObject* data,
                      std::vector<vtkCNNLayerBlock>& layers,
                      std::vector<std::string>& warnings);

  /// The first value of field-data array @p name as text (any array type), or @p fallback
  /// when @p fieldData, the array or its values are missing.
  static std::string FieldString(vtkFieldData* fieldData,
                                 const char* name,
                                 const std::string& fallback = std::string());
};

#endif
