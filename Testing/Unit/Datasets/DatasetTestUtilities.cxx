#include "DatasetTestUtilities.h"

#include <zlib.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <new>
#include <random>
#include <stdexcept>
#include <unistd.h>

namespace
{

std::atomic<std::size_t> LargestAllocationBytes{ 0 };

void recordAllocation(std::size_t size)
{
  std::size_t largest = LargestAllocationBytes.load(std::memory_order_relaxed);
  while (size > largest &&
         !LargestAllocationBytes.compare_exchange_weak(largest, size, std::memory_order_relaxed))
  {
  }
}

void* allocate(std::size_t size)
{
  recordAllocation(size);
  if (void* memory = std::malloc(size == 0 ? 1 : size))
  {
    return memory;
  }
  throw std::bad_alloc();
}

} // namespace

// The replaced global allocation functions let the tests check that a forged header is
// refused before the loader allocates what the header claims.
void* operator new(std::size_t size)
{
  return allocate(size);
}

void* operator new[](std::size_t size)
{
  return allocate(size);
}

void operator delete(void* memory) noexcept
{
  std::free(memory);
}

void operator delete[](void* memory) noexcept
{
  std::free(memory);
}

void operator delete(void* memory, std::size_t) noexcept
{
  std::free(memory);
}

void operator delete[](void* memory, std::size_t) noexcept
{
  std::free(memory);
}

namespace cnnslicer::testing
{

TemporaryFolder::TemporaryFolder()
{
  std::random_device entropy;
  const std::string name = "cnnslicer-datasets-" + std::to_string(::getpid()) + "-" +
                           std::to_string(entropy()) + "-" + std::to_string(entropy());
  Path = std::filesystem::temp_directory_path() / name;
  std::filesystem::create_directories(Path);
}

TemporaryFolder::~TemporaryFolder()
{
  std::error_code ignored;
  std::filesystem::remove_all(Path, ignored);
}

void writeFile(const std::string& path, const Bytes& bytes)
{
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream stream(path, std::ios::binary);
  stream.write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
  if (!stream)
  {
    throw std::runtime_error("cannot write " + path);
  }
}

void writeTextFile(const std::string& path, const std::string& text)
{
  writeFile(path, Bytes(text.begin(), text.end()));
}

void writeGzipFile(const std::string& path, const Bytes& bytes)
{
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  gzFile file = gzopen(path.c_str(), "wb9");
  if (!file)
  {
    throw std::runtime_error("cannot write " + path);
  }
  const int written =
    bytes.empty() ? 0 : gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(file);
  if (written != static_cast<int>(bytes.size()))
  {
    throw std::runtime_error("cannot compress into " + path);
  }
}

Bytes idxBytes(std::uint8_t typeCode,
               const std::vector<std::uint32_t>& dimensions,
               const Bytes& payload)
{
  Bytes bytes = { 0, 0, typeCode, static_cast<std::uint8_t>(dimensions.size()) };
  for (const std::uint32_t extent : dimensions)
  {
    for (int shift = 24; shift >= 0; shift -= 8)
    {
      bytes.push_back(static_cast<std::uint8_t>(extent >> shift));
    }
  }
  bytes.insert(bytes.end(), payload.begin(), payload.end());
  return bytes;
}

Bytes bigEndianFloats(const std::vector<float>& values)
{
  Bytes bytes;
  for (const float value : values)
  {
    std::uint32_t bits;
    std::memcpy(&bits, &value, 4);
    for (int shift = 24; shift >= 0; shift -= 8)
    {
      bytes.push_back(static_cast<std::uint8_t>(bits >> shift));
    }
  }
  return bytes;
}

Bytes bigEndianInt32(const std::vector<std::int32_t>& values)
{
  Bytes bytes;
  for (const std::int32_t value : values)
  {
    const auto bits = static_cast<std::uint32_t>(value);
    for (int shift = 24; shift >= 0; shift -= 8)
    {
      bytes.push_back(static_cast<std::uint8_t>(bits >> shift));
    }
  }
  return bytes;
}

Bytes npyBytesWithDict(int majorVersion, const std::string& dict, const Bytes& payload)
{
  const std::size_t preamble = majorVersion == 1 ? 10 : 12;
  std::string header = dict;
  // numpy.save pads the header with spaces so that the data starts on a 64-byte boundary.
  while ((preamble + header.size() + 1) % 64 != 0)
  {
    header += ' ';
  }
  header += '\n';
  Bytes bytes = { 0x93, 'N', 'U', 'M', 'P', 'Y', static_cast<std::uint8_t>(majorVersion), 0 };
  const std::size_t length = header.size();
  bytes.push_back(static_cast<std::uint8_t>(length & 0xFF));
  bytes.push_back(static_cast<std::uint8_t>((length >> 8) & 0xFF));
  if (majorVersion != 1)
  {
    bytes.push_back(static_cast<std::uint8_t>((length >> 16) & 0xFF));
    bytes.push_back(static_cast<std::uint8_t>((length >> 24) & 0xFF));
  }
  bytes.insert(bytes.end(), header.begin(), header.end());
  bytes.insert(bytes.end(), payload.begin(), payload.end());
  return bytes;
}

Bytes npyBytes(int majorVersion,
               const std::string& descr,
               const std::vector<std::uint64_t>& shape,
               const Bytes& payload,
               bool fortranOrder)
{
  std::string shapeText = "(";
  for (std::size_t i = 0; i < shape.size(); ++i)
  {
    shapeText += (i == 0 ? "" : ", ") + std::to_string(shape[i]);
  }
  shapeText += shape.size() == 1 ? ",)" : ")";
  const std::string dict = "{'descr': '" + descr +
                           "', 'fortran_order': " + (fortranOrder ? "True" : "False") +
                           ", 'shape': " + shapeText + ", }";
  return npyBytesWithDict(majorVersion, dict, payload);
}

void expectMessageContains(const std::string& message, std::initializer_list<std::string> parts)
{
  for (const std::string& part : parts)
  {
    EXPECT_NE(message.find(part), std::string::npos)
      << "message lacks \"" << part << "\": " << message;
  }
}

std::size_t largestAllocation()
{
  return LargestAllocationBytes.load();
}

void resetLargestAllocation()
{
  LargestAllocationBytes.store(0);
}

} // namespace cnnslicer::testing
