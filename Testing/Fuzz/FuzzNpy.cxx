// libFuzzer target: NumPy .npy files, header and payload. The first byte picks the entry
// point (images in each layout, labels, or an images + labels pair split where the second
// byte says).
#include "FuzzSupport.h"
#include "NumpyLoader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  using namespace cnnslicer;
  if (size < 2)
  {
    return 0;
  }
  const std::uint8_t mode = data[0] % 6;
  const std::uint8_t* file = data + 2;
  const std::size_t fileSize = size - 2;
  const std::filesystem::path folder = fuzzing::freshFolder("npy");
  fuzzing::refuseOnlyWithDatasetError(
    [&]
    {
      if (mode < 3)
      {
        fuzzing::useDataset(
          loadNumpyDataset(fuzzing::writeFile(folder / "images.npy", file, fileSize),
                           "",
                           static_cast<NumpyImageLayout>(mode)));
      }
      else if (mode == 3)
      {
        loadNumpyLabels(fuzzing::writeFile(folder / "labels.npy", file, fileSize));
      }
      else if (mode == 4)
      {
        readNpyHeader(fuzzing::writeFile(folder / "array.npy", file, fileSize));
      }
      else
      {
        const std::size_t split = fileSize * data[1] / 256;
        const std::string images = fuzzing::writeFile(folder / "images.npy", file, split);
        const std::string labels =
          fuzzing::writeFile(folder / "labels.npy", file + split, fileSize - split);
        fuzzing::useDataset(loadNumpyDataset(images, labels));
      }
    });
  return 0;
}
