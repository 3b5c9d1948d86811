// Replays files through a fuzz target's LLVMFuzzerTestOneInput without libFuzzer, so that
// the committed corpus and regression inputs run in every build (ctest label `unit`).
// Usage: <target>-replay FILE_OR_FOLDER... (folders are read recursively, in name order).
// Fails when an input makes the target throw anything but DatasetError (or crash), and
// when no input was found.
#include <algorithm>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv)
{
  namespace fs = std::filesystem;
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i)
  {
    const fs::path argument = argv[i];
    if (fs::is_directory(argument))
    {
      for (const fs::directory_entry& entry : fs::recursive_directory_iterator(argument))
      {
        if (entry.is_regular_file())
        {
          inputs.push_back(entry.path());
        }
      }
    }
    else if (fs::is_regular_file(argument))
    {
      inputs.push_back(argument);
    }
    else
    {
      std::cerr << argument << " is neither a file nor a folder\n";
      return 1;
    }
  }
  std::sort(inputs.begin(), inputs.end());
  if (inputs.empty())
  {
    std::cerr << "no input to replay\n";
    return 1;
  }
  for (const fs::path& input : inputs)
  {
    std::ifstream stream(input, std::ios::binary);
    const std::vector<char> bytes((std::istreambuf_iterator<char>(stream)),
                                  std::istreambuf_iterator<char>());
    // Printed before the run, so that a crash names its input.
    std::cout << "replay " << input.string() << " (" << bytes.size() << " bytes)" << std::endl;
    try
    {
      LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    }
    catch (const std::exception& error)
    {
      std::cerr << input.string()
                << ": the target threw something else than DatasetError: " << error.what() << "\n";
      return 1;
    }
  }
  std::cout << inputs.size() << " inputs replayed, none crashed\n";
  return 0;
}
