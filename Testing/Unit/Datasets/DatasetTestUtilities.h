/**
 * @file DatasetTestUtilities.h
 * @brief Writers of tiny datasets in every supported format, a self-deleting temporary
 * folder, and a probe of the largest heap allocation, for the dataset loader tests.
 */
#pragma once

#include "DatasetError.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <vector>

namespace cnnslicer::testing
{

using Bytes = std::vector<std::uint8_t>;

/// A fresh folder under the system's temporary directory, removed with its content.
class TemporaryFolder
{
public:
  TemporaryFolder();
  ~TemporaryFolder();
  TemporaryFolder(const TemporaryFolder&) = delete;
  TemporaryFolder& operator=(const TemporaryFolder&) = delete;

  const std::filesystem::path& path() const { return Path; }
  /// Path of @p name inside the folder, as a string.
  std::string file(const std::string& name) const { return (Path / name).string(); }

private:
  std::filesystem::path Path;
};

/// Writes @p bytes to @p path, creating parent folders.
void writeFile(const std::string& path, const Bytes& bytes);
void writeTextFile(const std::string& path, const std::string& text);
/// Writes @p bytes gzip-compressed.
void writeGzipFile(const std::string& path, const Bytes& bytes);

/// An IDX file: magic 00 00 @p typeCode ndims, big-endian dimensions, then @p payload.
Bytes idxBytes(std::uint8_t typeCode,
               const std::vector<std::uint32_t>& dimensions,
               const Bytes& payload);
/// Big-endian bytes of float values (the IDX float32 payload).
Bytes bigEndianFloats(const std::vector<float>& values);
/// Big-endian bytes of int32 values.
Bytes bigEndianInt32(const std::vector<std::int32_t>& values);

/// Raw bytes of values in the host's (little-endian) order.
template<typename T>
Bytes littleEndianBytes(const std::vector<T>& values)
{
  Bytes bytes(values.size() * sizeof(T));
  for (std::size_t i = 0; i < values.size(); ++i)
  {
    const auto* source = reinterpret_cast<const std::uint8_t*>(&values[i]);
    std::copy(
      source, source + sizeof(T), bytes.begin() + static_cast<std::ptrdiff_t>(i * sizeof(T)));
  }
  return bytes;
}

/**
 * A .npy file of format version @p majorVersion (1, 2 or 3) with the header dict written
 * as numpy.save does ({'descr': ..., 'fortran_order': ..., 'shape': (...), }, padded
 * with spaces and a newline to a multiple of 64 bytes).
 */
Bytes npyBytes(int majorVersion,
               const std::string& descr,
               const std::vector<std::uint64_t>& shape,
               const Bytes& payload,
               bool fortranOrder = false);
/// A .npy file with a header dict given verbatim.
Bytes npyBytesWithDict(int majorVersion, const std::string& dict, const Bytes& payload);

/**
 * The message of the DatasetError that @p action throws; records a test failure (and
 * returns "") when it throws nothing or something else. Checks the one-line rule.
 */
template<typename Action>
std::string datasetErrorMessage(Action&& action)
{
  try
  {
    action();
  }
  catch (const DatasetError& error)
  {
    const std::string message = error.what();
    EXPECT_EQ(message.find('\n'), std::string::npos) << "message spans lines: " << message;
    return message;
  }
  catch (const std::exception& error)
  {
    ADD_FAILURE() << "expected a DatasetError, got: " << error.what();
    return "";
  }
  ADD_FAILURE() << "expected a DatasetError, nothing was thrown";
  return "";
}

/// Expects @p message to contain each of @p parts.
void expectMessageContains(const std::string& message, std::initializer_list<std::string> parts);

/// Largest single operator-new request since the last resetLargestAllocation() (the test
/// binary replaces the global operator new to measure this).
std::size_t largestAllocation();
void resetLargestAllocation();

} // namespace cnnslicer::testing
