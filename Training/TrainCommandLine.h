/**
 * @file TrainCommandLine.h
 * @brief The command line of cnnslicer-train: options, data selection, usage text.
 *
 * Separate from main() so that the tests parse command lines without running them, and so
 * that another program (an in-situ example) can reuse the same options.
 */
#pragma once

#include "Dataset.h"
#include "TrainingOptions.h"

#include <cstddef>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace cnnslicer
{

/// A command line that cannot be run; the message says which option and what to give.
class UsageError : public std::runtime_error
{
public:
  using std::runtime_error::runtime_error;
};

/// Samples [First, End) of a split; End = npos means "to the last sample".
struct SampleRange
{
  std::size_t First = 0;
  std::size_t End = std::numeric_limits<std::size_t>::max();

  bool isAll() const { return First == 0 && End == std::numeric_limits<std::size_t>::max(); }
  /// "A:B" as given ("A:" when open-ended).
  std::string toString() const;
};

/// Parses "A:B", "A:" or ":B" (@p option names the option for the message).
SampleRange parseSampleRange(const std::string& text, const std::string& option);

/// Everything a cnnslicer-train command line says.
struct TrainCommand
{
  bool Help = false;
  std::string ModelPath;
  std::string DataPath;
  std::string LabelsPath;
  std::string TrainSplit;
  std::string TestSplit;
  SampleRange TrainSamples;
  SampleRange TestSamples;
  TrainingOptions Training;
  /// Seconds between progress lines (0: every batch).
  double ProgressSeconds = 5.0;
  bool Quiet = false;
};

/// The usage text (every option with its default).
std::string trainUsage();

/// Parses the arguments after the program name. Throws UsageError.
TrainCommand parseTrainCommandLine(const std::vector<std::string>& arguments);

/// OMP_NUM_THREADS when it is a positive integer, else the number of cores.
int defaultThreadCount();

/**
 * Loads the training and test samples a command selects (the file is read once when both
 * come from the same split). Each Dataset's Source names the split and the range. Throws
 * DatasetError (files) or UsageError (a range beyond the data, overlapping train and test
 * ranges of one split).
 */
std::pair<Dataset, Dataset> loadTrainingData(const TrainCommand& command);

} // namespace cnnslicer
