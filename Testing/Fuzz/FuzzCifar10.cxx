// libFuzzer target: a CIFAR-10 binary batch folder. The first byte gives the length of a
// batches.meta.txt (0: none) taken from the front of the rest; the remainder is the batch
// file, named test_batch.bin or data_batch_1.bin (second byte) and loaded by folder.
#include "Cifar10Loader.h"
#include "FuzzSupport.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  using namespace cnnslicer;
  if (size < 2)
  {
    return 0;
  }
  const bool train = data[1] & 1;
  const std::uint8_t* rest = data + 2;
  std::size_t restSize = size - 2;
  const std::filesystem::path folder = fuzzing::freshFolder("cifar10");
  if (data[0] > 0)
  {
    const std::size_t metaSize = std::min<std::size_t>(restSize, data[0] - 1u);
    fuzzing::writeFile(folder / "batches.meta.txt", rest, metaSize);
    rest += metaSize;
    restSize -= metaSize;
  }
  fuzzing::writeFile(folder / (train ? "data_batch_1.bin" : "test_batch.bin"), rest, restSize);
  fuzzing::refuseOnlyWithDatasetError(
    [&]
    {
      fuzzing::useDataset(
        loadCifar10(folder.string(), train ? Cifar10Split::Train : Cifar10Split::Test));
    });
  return 0;
}
