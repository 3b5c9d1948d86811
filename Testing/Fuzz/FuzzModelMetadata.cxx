// libFuzzer target: the cnnslicer.json metadata of a model (parseModelMetadata).
#include "FuzzSupport.h"
#include "ModelMetadata.h"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  const std::string text(reinterpret_cast<const char*>(data), size);
  cnnslicer::fuzzing::refuseOnlyWithDatasetError(
    [&] { cnnslicer::parseModelMetadata(text, "model.pt:cnnslicer.json"); });
  return 0;
}
