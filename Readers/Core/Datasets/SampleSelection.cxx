#include "SampleSelection.h"

#include "DatasetError.h"

#include <algorithm>
#include <map>

namespace cnnslicer
{

namespace
{

std::string listOfLabels(const std::vector<std::int64_t>& labels)
{
  std::string text;
  for (const std::int64_t label : labels)
  {
    text += (text.empty() ? "" : ", ") + std::to_string(label);
  }
  return "{" + text + "}";
}

std::string labelsPresent(const std::vector<std::int64_t>& labels)
{
  std::vector<std::int64_t> present;
  for (const std::int64_t label : labels)
  {
    if (label >= 0)
    {
      present.push_back(label);
    }
  }
  std::sort(present.begin(), present.end());
  present.erase(std::unique(present.begin(), present.end()), present.end());
  return listOfLabels(present);
}

} // namespace

std::vector<std::size_t> selectSamples(std::size_t numberOfSamples,
                                       const std::vector<std::int64_t>& labels,
                                       const SampleSelection& selection,
                                       const std::string& datasetName)
{
  if (!labels.empty() && labels.size() != numberOfSamples)
  {
    throw DatasetError(datasetName,
                       "labels count " + std::to_string(labels.size()) +
                         " differs from the images count " + std::to_string(numberOfSamples),
                       "use the labels that belong to these images");
  }
  if (selection.Stride == 0)
  {
    throw DatasetError(datasetName, "sample stride is 0", "use a stride of 1 or more");
  }
  const bool byClass = !selection.Classes.empty() || selection.PerClass > 0;
  if (byClass && labels.empty())
  {
    throw DatasetError(datasetName,
                       "a class subset or a balanced selection needs labels, and the dataset "
                       "has none",
                       "give a labels file, or clear the class subset and samples per class");
  }
  if (selection.FirstIndex >= numberOfSamples)
  {
    throw DatasetError(datasetName,
                       "empty selection: first index " + std::to_string(selection.FirstIndex) +
                         " is past the last sample (the dataset has " +
                         std::to_string(numberOfSamples) + " samples)",
                       "choose a first index below " + std::to_string(numberOfSamples));
  }

  std::vector<std::int64_t> classes = selection.Classes;
  std::sort(classes.begin(), classes.end());
  classes.erase(std::unique(classes.begin(), classes.end()), classes.end());
  std::map<std::int64_t, std::size_t> takenPerClass;

  std::vector<std::size_t> selected;
  for (std::size_t index = selection.FirstIndex; index < numberOfSamples;)
  {
    bool keep = true;
    if (byClass)
    {
      const std::int64_t label = labels[index];
      keep = label >= 0 &&
             (classes.empty() || std::binary_search(classes.begin(), classes.end(), label));
      if (keep && selection.PerClass > 0)
      {
        std::size_t& taken = takenPerClass[label];
        keep = taken < selection.PerClass;
        taken += keep ? 1 : 0;
      }
    }
    if (keep)
    {
      selected.push_back(index);
      if (selection.MaximumSamples > 0 && selected.size() == selection.MaximumSamples)
      {
        break;
      }
    }
    // Stepping this way cannot overflow, whatever the stride.
    if (numberOfSamples - index <= selection.Stride)
    {
      break;
    }
    index += selection.Stride;
  }

  if (selected.empty())
  {
    throw DatasetError(datasetName,
                       "empty selection: none of the samples from index " +
                         std::to_string(selection.FirstIndex) + " with stride " +
                         std::to_string(selection.Stride) +
                         (classes.empty() ? std::string(" has a class label (all are negative)")
                                          : " has a label in " + listOfLabels(classes)) +
                         " (labels present: " + labelsPresent(labels) + ")",
                       "choose classes that the dataset has");
  }
  return selected;
}

} // namespace cnnslicer
