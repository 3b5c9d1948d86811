/**
 * @file ModulePath.h
 * @brief How a layer's module path becomes nodes of the reader's data assembly, and back.
 *
 * The reader mirrors the module tree in the output's vtkDataAssembly (Documentation/design.md
 * section 2.3): layer "layer1.0.bn1" sits at node layer1/_0/bn1. Node names must be valid XML
 * names, so a part that starts with a digit (a Sequential index) gets a leading '_', and any
 * character other than letters, digits, '_', '-' and '.' becomes '_' (the same rule as
 * vtkDataAssembly::MakeValidNodeName). The panel turns node names back into module names. Both
 * directions live here so that they cannot drift apart.
 */
#pragma once

#include <string>
#include <vector>

namespace cnnslicer
{

/**
 * The assembly node names of a layer, root first: "layer1.0.bn1" -> {layer1, _0, bn1}; the
 * call suffix of a module called again is dropped ("relu#1" sits under "relu"), and an
 * operation layer's operation is the last part ("features.0/conv2d" -> {features, _0, conv2d}).
 */
std::vector<std::string> assemblyNodePath(const std::string& layerName);

/// One module-path part as a valid assembly node name ("0" -> "_0").
std::string assemblyNodeName(const std::string& part);

/// The module name a node stands for: the inverse of assemblyNodeName for module paths
/// ("_0" -> "0", "bn1" -> "bn1").
std::string moduleNameOfNode(const std::string& nodeName);

} // namespace cnnslicer
