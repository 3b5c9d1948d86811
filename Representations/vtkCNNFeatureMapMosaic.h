/**
 * @class vtkCNNFeatureMapMosaic
 * @brief "CNN Feature Map Mosaic": lays every channel of an activation volume out as a flat
 * grid of H x W tiles, so that a whole layer shows at once (Documentation/mosaic.md).
 *
 * Input: a vtkImageData activation volume (extent [0,W-1] x [0,H-1] x [0,C-1], Z =
 * channel) or a composite dataset of them (the CNN Activations Reader's
 * vtkPartitionedDataSetCollection, one image per layer, or an entropy filter's output).
 *
 * Output port 0 has the input's structure with each image replaced by its mosaic, a
 * vtkPolyData of C x H x W unit quads (one per activation value) in the plane z = 0. The
 * quads are in the same order as the volume's points (x fastest, then y, then channel), so
 * every point array of the volume (`activation` with its N sample components, `entropy`,
 * ...) becomes a cell array of the mosaic without copying a value, range cache included:
 * colouring by an array and component works as on the volume, pixel for pixel. A cell array
 * `channel` gives each quad's channel. Field data: the image's own (`layer_name`, ...) plus
 * `mosaic_columns`, `mosaic_rows`, `mosaic_gap` and `mosaic_tile_origin` (the lower-left
 * corner of each tile, C x 2).
 *
 * Layout (cnnslicer::MosaicLayout): channel 0 top left, in reading order, Columns tiles
 * per row (0: ceil(sqrt(C))), Gap pixels apart (-1: automatic, by tile size). The volume's
 * Y is kept, so maps stay upright. With several layers, Layer = -1 shows every layer's
 * mosaic side by side along X in network order, tops aligned, LayerSpacing apart; Layer = k
 * shows only layer k: the k-th partitioned dataset of a collection (the reader's layer k),
 * else the k-th image. In a parallel run (the reader gives each process whole layers) the
 * processes share the layers' sizes, so each lays out its own layers where a serial run
 * puts them.
 *
 * Output port 1: one point per tile at its lower-left corner, with `label` (the channel
 * index, and the tile's value of TileLabelArrayName when the layer has it), `short_label`
 * (the index alone), `channel`, `layer`, `value` and `tile_width`/`tile_height` (so that a
 * label is drawn only when its tile can hold it). The value is the field-data array
 * `channel_<TileLabelArrayName>` (one entry per channel) when the image carries one, else
 * the mean of the finite values of the one-component point array TileLabelArrayName over
 * the tile: with the default `entropy` of the CNN entropy filters, the mean per-neuron
 * entropy of the channel. Output port 2: one point per layer at the upper-left corner of
 * its mosaic, `label` = the layer's name, type and shape, `short_label` = its name.
 */
#ifndef vtkCNNFeatureMapMosaic_h
#define vtkCNNFeatureMapMosaic_h

#include "CNNSlicerRepresentationsModule.h" // for export macro
#include "vtkDataObjectAlgorithm.h"

#include <string> // for std::string

class CNNSLICERREPRESENTATIONS_EXPORT vtkCNNFeatureMapMosaic : public vtkDataObjectAlgorithm
{
public:
  static vtkCNNFeatureMapMosaic* New();
  vtkTypeMacro(vtkCNNFeatureMapMosaic, vtkDataObjectAlgorithm);
  void PrintSelf(ostream& os, vtkIndent indent) override;

  ///@{
  /// Pixels between neighbouring tiles; -1 (default) chooses by tile size (2 for 28 x 28).
  vtkSetClampMacro(Gap, int, -1, VTK_INT_MAX);
  vtkGetMacro(Gap, int);
  ///@}

  ///@{
  /// Tiles per row; 0 (default) gives ceil(sqrt(C)), the squarest grid.
  vtkSetClampMacro(Columns, int, 0, VTK_INT_MAX);
  vtkGetMacro(Columns, int);
  ///@}

  ///@{
  /// Which image of a composite input to show: -1 (default) every one, side by side.
  vtkSetClampMacro(Layer, int, -1, VTK_INT_MAX);
  vtkGetMacro(Layer, int);
  ///@}

  ///@{
  /// Pixels between the mosaics of neighbouring layers (default 8).
  vtkSetClampMacro(LayerSpacing, double, 0.0, 1e9);
  vtkGetMacro(LayerSpacing, double);
  ///@}

  ///@{
  /// Array whose per-channel value the tile labels show (default `entropy`); empty: none.
  vtkSetStdStringFromCharMacro(TileLabelArrayName);
  vtkGetCharFromStdStringMacro(TileLabelArrayName);
  ///@}

protected:
  vtkCNNFeatureMapMosaic();
  ~vtkCNNFeatureMapMosaic() override;

  int FillInputPortInformation(int port, vtkInformation* info) override;
  int FillOutputPortInformation(int port, vtkInformation* info) override;
  int RequestDataObject(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;
  int RequestData(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;

  int Gap = -1;
  int Columns = 0;
  int Layer = -1;
  double LayerSpacing = 8.0;
  std::string TileLabelArrayName = "entropy";

private:
  vtkCNNFeatureMapMosaic(const vtkCNNFeatureMapMosaic&) = delete;
  void operator=(const vtkCNNFeatureMapMosaic&) = delete;
};

#endif
