#include "FuzzSupport.h"

#include "Preprocessing.h"

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <system_error>
#include <unistd.h>
#include <vector>

namespace cnnslicer::fuzzing
{

namespace
{

namespace fs = std::filesystem;

fs::path makeScratchFolder()
{
  // run-fuzzers.sh names the base folder and removes it afterwards: libFuzzer ends a run
  // that failed (or hit its time limit) without running atexit handlers.
  std::error_code error;
  const char* requested = std::getenv("CNNSLICER_FUZZ_SCRATCH");
  fs::path base;
  if (requested && *requested)
  {
    base = requested;
    fs::create_directories(base);
  }
  else
  {
    base = fs::is_directory("/dev/shm", error) ? fs::path("/dev/shm") : fs::temp_directory_path();
  }
  std::string pattern = (base / "cnnslicer-fuzz-XXXXXX").string();
  if (!mkdtemp(pattern.data()))
  {
    throw std::runtime_error("cannot create a scratch folder under " + base.string());
  }
  return pattern;
}

void removeScratchFolder()
{
  std::error_code error;
  fs::remove_all(scratchFolder(), error);
}

} // namespace

const fs::path& scratchFolder()
{
  static const fs::path folder = makeScratchFolder();
  static const bool cleanupRegistered = std::atexit(removeScratchFolder) == 0;
  (void)cleanupRegistered;
  return folder;
}

fs::path freshFolder(const std::string& name)
{
  const fs::path folder = scratchFolder() / name;
  fs::remove_all(folder);
  fs::create_directories(folder);
  return folder;
}

void useDataset(const Dataset& dataset)
{
  dataset.validate();
  if (dataset.NumberOfSamples == 0)
  {
    return;
  }
  const Dataset ends = dataset.subset({ 0, dataset.NumberOfSamples - 1 });
  PreprocessingOptions options;
  options.Mean = { 0.5f };
  options.Std = { 0.25f };
  options.ReverseChannelOrder = true;
  std::vector<float> sample(ends.valuesPerSample());
  const std::size_t first = 0;
  preprocessSamples(ends, &first, 1, options, sample.data());
}

std::string writeFile(const fs::path& path, const std::uint8_t* data, std::size_t size)
{
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (!file || (size > 0 && std::fwrite(data, 1, size, file) != size) || std::fclose(file) != 0)
  {
    throw std::runtime_error("cannot write " + path.string());
  }
  return path.string();
}

} // namespace cnnslicer::fuzzing
