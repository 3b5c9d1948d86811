/**
 * @file DataModelNames.h
 * @brief The names of the data model's arrays, columns and nodes, spelled once.
 *
 * The reader writes these names, the filters, the mosaic, the panel and the in-situ probe read
 * them, and scripts select arrays by them (Documentation/design.md section 2), so a name that
 * drifted in one place would silently lose data in another. Plain C++, no VTK: the VTK modules
 * and the panel include it through CNNSlicer::CommonCore. Python keeps the same names as
 * module-level constants in Plugin/cnnslicer.py.
 */
#pragma once

namespace cnnslicer
{
namespace names
{

// Activation volumes and their field data (sections 2.2 to 2.4).

/// Point array of an activation volume: one component per sample (section 2.2).
inline constexpr const char* Activation = "activation";
/// Root node of the collection's vtkDataAssembly (section 2.3).
inline constexpr const char* AssemblyRoot = "network";
/// Field data of a volume: the layer's module path, e.g. "features.0" (section 2.4).
inline constexpr const char* LayerName = "layer_name";
/// Field data of a volume: the module class, "aten::<op>", "Input" or "Output" (section 2.4).
inline constexpr const char* LayerType = "layer_type";
/// Field data of a volume and table column: the position in the collection (section 2.4).
inline constexpr const char* LayerIndex = "layer_index";
/// Field data of a volume and layer-table column: the per-sample shape (section 2.4).
inline constexpr const char* OutputShape = "output_shape";

// One value per sample: the collection's field data and the samples table (2.4, 2.5).

/// The sample's index in its dataset (sections 2.4, 2.5).
inline constexpr const char* SampleId = "sample_id";
/// The sample's class, -1 when unlabelled (sections 2.4, 2.5).
inline constexpr const char* Label = "label";
/// Arg max of the logits (sections 2.4, 2.5).
inline constexpr const char* Prediction = "prediction";
/// Collection field data: one name per class (section 2.4).
inline constexpr const char* ClassNames = "class_names";
/// Samples table: softmax probability of the prediction (section 2.5).
inline constexpr const char* Confidence = "confidence";
/// Samples table: 1 when the label is known and equals the prediction (section 2.5).
inline constexpr const char* Correct = "correct";

// What the entropy filters add: per-neuron arrays and table columns (sections 2.8, 2.9).

/// Per-neuron entropy H(T), the filters' active scalars; also a table column (2.8, 2.9).
inline constexpr const char* Entropy = "entropy";
/// H(T|Y), with labels (sections 2.8, 2.9).
inline constexpr const char* ConditionalEntropy = "conditional_entropy";
/// I(T;Y), with labels (sections 2.8, 2.9).
inline constexpr const char* MutualInformation = "mutual_information";
/// Prefix of H(T|Y=k): "entropy_class_<k>", with Per Class Outputs (sections 2.8, 2.9).
inline constexpr const char* EntropyClassPrefix = "entropy_class_";
/// Continuous filter: the continuous part's entropy (sections 2.8, 2.9).
inline constexpr const char* HC = "h_c";
/// Continuous filter: the point masses' (atoms') probability (sections 2.8, 2.9).
inline constexpr const char* PAtoms = "p_atoms";
/// Continuous filter, tables: the number of atoms (section 2.9).
inline constexpr const char* Atoms = "atoms";
/// How many values are NaN or infinite (sections 2.8, 2.9, 2.10).
inline constexpr const char* NonFinite = "non_finite";
/// Channel-table column: the channel (Z) index; also the mosaic's cell array (2.9, 2.12).
inline constexpr const char* Channel = "channel";
/// Table column: observations behind a row (section 2.9).
inline constexpr const char* Count = "count";
/// Table columns: the histogram range of the discrete filter (sections 2.9, 2.10).
inline constexpr const char* RangeLow = "range_low";
inline constexpr const char* RangeHigh = "range_high";
/// Layer-table columns (section 2.9).
inline constexpr const char* MeanNeuronEntropy = "mean_neuron_entropy";
inline constexpr const char* UndefinedNeurons = "undefined_neurons";
inline constexpr const char* Channels = "channels";
inline constexpr const char* Neurons = "neurons";
inline constexpr const char* Samples = "samples";
/// CNN Sample Entropy's tables: the sample's component index (section 2.9).
inline constexpr const char* Sample = "sample";

// Units and estimator in the tables' field data (section 2.11).

/// "bits", "nats" or "normalized (H / log B)" (section 2.11).
inline constexpr const char* Unit = "unit";
/// A description of the estimator's settings (section 2.11).
inline constexpr const char* Estimator = "estimator";

// The Feature Map Mosaic's output (section 2.12).

/// Field data of a mosaic: its tile grid and gap.
inline constexpr const char* MosaicColumns = "mosaic_columns";
inline constexpr const char* MosaicRows = "mosaic_rows";
inline constexpr const char* MosaicGap = "mosaic_gap";
inline constexpr const char* MosaicTileOrigin = "mosaic_tile_origin";
/// Prefix of a volume's one-value-per-channel field data shown in tile labels.
inline constexpr const char* ChannelFieldPrefix = "channel_";
/// Label points: the text shown, a short form, the layer's position, the value shown and
/// the tile's size (section 2.12; "label" here is text, not the class of section 2.4).
inline constexpr const char* LabelText = "label";
inline constexpr const char* ShortLabel = "short_label";
inline constexpr const char* LabelLayer = "layer";
inline constexpr const char* LabelValue = "value";
inline constexpr const char* TileWidth = "tile_width";
inline constexpr const char* TileHeight = "tile_height";

} // namespace names
} // namespace cnnslicer
