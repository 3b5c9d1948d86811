#include "ModulePath.h"

#include <cctype>

namespace cnnslicer
{

namespace
{
bool validNodeCharacter(char c)
{
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-' || c == '.';
}

bool startsWithXml(const std::string& name)
{
  return name.size() >= 3 && std::tolower(static_cast<unsigned char>(name[0])) == 'x' &&
         std::tolower(static_cast<unsigned char>(name[1])) == 'm' &&
         std::tolower(static_cast<unsigned char>(name[2])) == 'l';
}
}

std::string assemblyNodeName(const std::string& part)
{
  std::string name = part;
  for (char& c : name)
  {
    c = validNodeCharacter(c) ? c : '_';
  }
  // XML names cannot start with a digit, '-' or '.', nor with "xml" in any case.
  if (!name.empty() && (std::isdigit(static_cast<unsigned char>(name[0])) != 0 || name[0] == '-' ||
                        name[0] == '.' || startsWithXml(name)))
  {
    name.insert(0, 1, '_');
  }
  return name;
}

std::string moduleNameOfNode(const std::string& nodeName)
{
  if (nodeName.size() > 1 && nodeName[0] == '_' &&
      std::isdigit(static_cast<unsigned char>(nodeName[1])) != 0)
  {
    return nodeName.substr(1);
  }
  return nodeName;
}

std::vector<std::string> assemblyNodePath(const std::string& layerName)
{
  std::vector<std::string> nodes;
  std::string path = layerName.substr(0, layerName.find('#'));
  std::string operation;
  const std::size_t slash = path.find('/');
  if (slash != std::string::npos)
  {
    operation = path.substr(slash + 1);
    path = path.substr(0, slash);
  }
  std::size_t start = 0;
  while (!path.empty() && start <= path.size())
  {
    const std::size_t dot = path.find('.', start);
    nodes.push_back(assemblyNodeName(
      path.substr(start, dot == std::string::npos ? std::string::npos : dot - start)));
    if (dot == std::string::npos)
    {
      break;
    }
    start = dot + 1;
  }
  if (!operation.empty())
  {
    nodes.push_back(assemblyNodeName(operation));
  }
  return nodes;
}

} // namespace cnnslicer
