// libFuzzer target: IDX files as they arrive on disk, plain or gzip (the loader tells
// them apart by content). The first byte picks the entry point; for an images + labels
// pair the second byte says where the rest splits into the two files.
#include "FuzzSupport.h"
#include "IdxLoader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  using namespace cnnslicer;
  if (size < 2)
  {
    return 0;
  }
  const std::uint8_t mode = data[0] % 3;
  const std::uint8_t* file = data + 2;
  const std::size_t fileSize = size - 2;
  const std::filesystem::path folder = fuzzing::freshFolder("idx");
  fuzzing::refuseOnlyWithDatasetError(
    [&]
    {
      if (mode == 0)
      {
        readIdxFile(fuzzing::writeFile(folder / "array", file, fileSize));
      }
      else if (mode == 1)
      {
        fuzzing::useDataset(
          loadIdxDataset(fuzzing::writeFile(folder / "images", file, fileSize), ""));
      }
      else
      {
        const std::size_t split = fileSize * data[1] / 256;
        const std::string images = fuzzing::writeFile(folder / "images", file, split);
        const std::string labels =
          fuzzing::writeFile(folder / "labels", file + split, fileSize - split);
        fuzzing::useDataset(loadIdxDataset(images, labels));
      }
    });
  return 0;
}
