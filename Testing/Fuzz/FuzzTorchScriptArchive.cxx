// libFuzzer target: the zip directory of a TorchScript archive (TorchScriptArchive.h), as
// the reader inspects it before LibTorch loads the model. An archive that passes the
// inspection must also pass the memory check at exactly its declared tensor size, and
// fail it one byte below.
#include "FuzzSupport.h"
#include "TorchScriptArchive.h"

#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  using namespace cnnslicer;
  const std::filesystem::path folder = fuzzing::freshFolder("torchscript");
  const std::string path = fuzzing::writeFile(folder / "model.pt", data, size);
  TorchScriptArchiveInfo info;
  try
  {
    info = inspectTorchScriptArchive(path);
  }
  catch (const DatasetError&)
  {
    return 0;
  }
  checkTorchScriptArchive(path, info.TensorBytes);
  if (info.TensorBytes > 0)
  {
    bool refused = false;
    try
    {
      checkTorchScriptArchive(path, info.TensorBytes - 1);
    }
    catch (const DatasetError&)
    {
      refused = true;
    }
    if (!refused)
    {
      std::fprintf(stderr, "an archive above the memory limit was accepted\n");
      std::abort();
    }
  }
  return 0;
}
