// The module-path encoding shared by the reader (data assembly) and the panel (model tree).
#include "ModulePath.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace
{
using cnnslicer::assemblyNodeName;
using cnnslicer::assemblyNodePath;
using cnnslicer::moduleNameOfNode;
using Path = std::vector<std::string>;

TEST(ModulePath, SequentialIndicesBecomeValidNodeNames)
{
  EXPECT_EQ(assemblyNodePath("layer1.0.bn1"), (Path{ "layer1", "_0", "bn1" }));
  EXPECT_EQ(assemblyNodePath("features.12"), (Path{ "features", "_12" }));
  EXPECT_EQ(assemblyNodePath("logits"), (Path{ "logits" }));
}

TEST(ModulePath, RepeatedCallsShareTheirModulesNode)
{
  // relu#1 is the second call of relu: both sit at the node of the module.
  EXPECT_EQ(assemblyNodePath("layer1.0.relu#1"), (Path{ "layer1", "_0", "relu" }));
}

TEST(ModulePath, OperationLayersEndInTheOperation)
{
  EXPECT_EQ(assemblyNodePath("features.0/conv2d"), (Path{ "features", "_0", "conv2d" }));
  EXPECT_EQ(assemblyNodePath("layer1.0/add#2"), (Path{ "layer1", "_0", "add" }));
}

TEST(ModulePath, InvalidCharactersAndReservedStartsAreEscaped)
{
  EXPECT_EQ(assemblyNodeName("aten::add"), "aten__add");
  EXPECT_EQ(assemblyNodeName("-x"), "_-x");
  EXPECT_EQ(assemblyNodeName(".x"), "_.x");
  EXPECT_EQ(assemblyNodeName("XMLhead"), "_XMLhead");
  EXPECT_EQ(assemblyNodeName("conv 1"), "conv_1");
}

TEST(ModulePath, NodeNamesTurnBackIntoModuleNames)
{
  for (const std::string module : { "0", "12", "layer1", "bn1", "_private" })
  {
    EXPECT_EQ(moduleNameOfNode(assemblyNodeName(module)), module) << module;
  }
  EXPECT_EQ(moduleNameOfNode("_"), "_");
}
} // namespace
