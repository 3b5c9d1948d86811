/**
 * @file FuzzSupport.h
 * @brief What every fuzz target shares: a scratch folder for the files the loaders read,
 * and the rule that a loader may throw DatasetError and nothing else.
 *
 * Each target defines LLVMFuzzerTestOneInput(). Built with clang and -fsanitize=fuzzer it
 * is a libFuzzer binary (CNNSLICER_BUILD_FUZZERS, preset "fuzz"); linked with
 * FuzzReplay.cxx instead it replays the committed corpus and regression files in the
 * normal build (ctest label `unit`).
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "Dataset.h"

namespace cnnslicer::fuzzing
{

/// A folder private to this process under $CNNSLICER_FUZZ_SCRATCH, else /dev/shm (or the
/// temporary directory), created on first use and removed at a normal exit.
const std::filesystem::path& scratchFolder();

/// An empty folder `scratchFolder()/<name>`, emptied first when it exists.
std::filesystem::path freshFolder(const std::string& name);

/// Writes @p size bytes at @p data to @p path (replacing the file) and returns the path.
std::string writeFile(const std::filesystem::path& path,
                      const std::uint8_t* data,
                      std::size_t size);

/**
 * What the reader does next with a loaded dataset, so that the fuzzers reach it too:
 * validate(), a subset of the first and last samples, and preprocessing of the first
 * sample (uint8 scaling, a mean and std, channels reversed).
 */
void useDataset(const Dataset& dataset);

/**
 * Runs @p action. A DatasetError is the loaders' one way to refuse an input and is
 * swallowed; any other exception escapes, which libFuzzer and the replay driver report
 * as a failure (as they do for crashes, leaks and sanitizer findings).
 */
template<typename Action>
void refuseOnlyWithDatasetError(Action&& action);

} // namespace cnnslicer::fuzzing

#include "DatasetError.h"

template<typename Action>
void cnnslicer::fuzzing::refuseOnlyWithDatasetError(Action&& action)
{
  try
  {
    action();
  }
  catch (const cnnslicer::DatasetError&)
  {
  }
}
