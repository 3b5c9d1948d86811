/**
 * @class vtkCNNFeatureMapMosaicRepresentation
 * @brief The "Feature Map Mosaic" representation: every channel of a layer as a grid of
 * H x W tiles, coloured like any ParaView surface (Documentation/mosaic.md).
 *
 * A vtkGeometryRepresentationWithFaces (the Surface representation's class) whose input first goes
 * through vtkCNNFeatureMapMosaic, so that colouring by an array and component, lookup tables,
 * scalar bars, opacity and the rest of the Surface representation work unchanged on the tiles. The
 * mosaic's quads carry the volume's point arrays as cell arrays; a colour array chosen as a point
 * array of the volume is therefore looked up among the cell arrays of the mosaic.
 *
 * Labels are 2D text in the non-composited renderer (as vtkDataLabelRepresentation
 * draws them): the channel index (and per-channel value, e.g. mean entropy) at each tile's
 * lower-left corner, and the layer's name, type and shape above each layer's mosaic. A tile
 * label is drawn only while its tile is large enough on screen to hold it (as wide as the
 * text, three times as high), so that zoomed out the tiles are not hidden under text and
 * zoomed in every tile has its label; a layer label only while it fits above its mosaic
 * and the spacing after it. Where the full text does not fit, the short one may (the
 * channel index without its value, the layer name without type and shape). Labels that fit their
 * own box never overlap, so a plain vtkLabeledDataMapper draws them (vtkLabelPlacementMapper, which
 * removes overlaps itself, loses labels in tiled screenshots and misplaces the box of top-justified
 * text).
 *
 * Picking and selection on the tiles are not mapped back to the volume.
 */
#ifndef vtkCNNFeatureMapMosaicRepresentation_h
#define vtkCNNFeatureMapMosaicRepresentation_h

#include "CNNSlicerRepresentationsModule.h" // for export macro
#include "vtkGeometryRepresentationWithFaces.h"
#include "vtkNew.h"          // for vtkNew
#include "vtkSmartPointer.h" // for vtkSmartPointer

#include <array>  // for std::array
#include <vector> // for std::vector

class vtkActor2D;
class vtkCNNFeatureMapMosaic;
class vtkLabeledDataMapper;
class vtkPolyData;
class vtkRenderer;
class vtkTextProperty;

class CNNSLICERREPRESENTATIONS_EXPORT vtkCNNFeatureMapMosaicRepresentation
  : public vtkGeometryRepresentationWithFaces
{
public:
  static vtkCNNFeatureMapMosaicRepresentation* New();
  vtkTypeMacro(vtkCNNFeatureMapMosaicRepresentation, vtkGeometryRepresentationWithFaces);
  void PrintSelf(ostream& os, vtkIndent indent) override;

  int ProcessViewRequest(vtkInformationRequestKey* requestType,
                         vtkInformation* inInfo,
                         vtkInformation* outInfo) override;
  void SetVisibility(bool visible) override;

  ///@{
  /// Layout of the mosaic, passed to vtkCNNFeatureMapMosaic (Gap, Columns, Layer).
  void SetMosaicGap(int gap);
  void SetMosaicColumns(int columns);
  void SetMosaicLayer(int layer);
  void SetTileLabelArrayName(const char* name);
  ///@}

  ///@{
  /// Labels: per tile (channel, value) and per layer (name, type, shape).
  void SetTileLabelVisibility(bool visible);
  void SetLayerLabelVisibility(bool visible);
  void SetLabelFontSize(int size);
  void SetLabelColor(double red, double green, double blue);
  ///@}

  /// The mosaic filter's output stands in for the input in the geometry pipeline.
  using Superclass::GetInternalOutputPort;
  vtkAlgorithmOutput* GetInternalOutputPort(int port, int connection) override;

protected:
  vtkCNNFeatureMapMosaicRepresentation();
  ~vtkCNNFeatureMapMosaicRepresentation() override;

  int RequestData(vtkInformation*, vtkInformationVector**, vtkInformationVector*) override;
  bool AddToView(vtkView* view) override;
  bool RemoveFromView(vtkView* view) override;
  void UpdateColoringParameters() override;

private:
  vtkCNNFeatureMapMosaicRepresentation(const vtkCNNFeatureMapMosaicRepresentation&) = delete;
  void operator=(const vtkCNNFeatureMapMosaicRepresentation&) = delete;

  /// Label points to text on screen, only the labels that fit their box.
  struct LabelLayer
  {
    vtkNew<vtkLabeledDataMapper> Mapper;
    vtkNew<vtkActor2D> Actor;
    vtkNew<vtkTextProperty> Text;
    /// Every label of the data, and the ones drawn (input of Mapper).
    vtkSmartPointer<vtkPolyData> Labels;
    vtkSmartPointer<vtkPolyData> Shown;
    bool Visible = true;
    /// Size in pixels of each label's text and short text, measured when labels or font
    /// change.
    std::vector<std::array<double, 2>> TextSize;
    std::vector<std::array<double, 2>> ShortTextSize;
    vtkTimeStamp MeasuredTime;
    /// Which labels Shown holds (negative: -1 - id for the short text), taken from which
    /// label set, when.
    std::vector<vtkIdType> ShownIds;
    vtkPolyData* ShownFrom = nullptr;
    vtkTimeStamp ShownTime;
  };
  void SetUpLabelLayer(LabelLayer& layer, bool forLayers);
  void UpdateLabelActorVisibility();
  /**
   * Draws the labels of @p layer that fit their box at the current zoom of @p renderer,
   * the full text (`label`) or else the short one (`short_label`): text no wider than the
   * box plus @p extraWidth, and, for @p heightShare > 0, no higher than that share of the
   * box (the box is a label's tile_width x tile_height).
   */
  void ShowLabelsThatFit(LabelLayer& layer,
                         vtkRenderer* renderer,
                         double extraWidth,
                         double heightShare);

  vtkNew<vtkCNNFeatureMapMosaic> Mosaic;
  LabelLayer TileLabels;
  LabelLayer LayerLabels;
};

#endif
