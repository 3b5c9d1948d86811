// libFuzzer target: IDX content behind gzip. The harness compresses the input itself, so
// that mutations reach the IDX parser through the inflate path instead of dying in zlib's
// header check; flags in the first byte cut the stream off, append a second member or
// trailing garbage, to fuzz how PlainOrGzipFile ends a stream.
#include "FuzzSupport.h"
#include "IdxLoader.h"

#include <zlib.h>

#include <cstring>
#include <stdexcept>
#include <vector>

namespace
{

std::vector<std::uint8_t> gzipCompress(const std::uint8_t* data, std::size_t size, int level)
{
  z_stream stream;
  std::memset(&stream, 0, sizeof(stream));
  // 16 + MAX_WBITS: gzip wrapper.
  if (deflateInit2(&stream, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
  {
    throw std::runtime_error("deflateInit2 failed");
  }
  std::vector<std::uint8_t> compressed(deflateBound(&stream, static_cast<uLong>(size)));
  stream.next_in = const_cast<Bytef*>(data);
  stream.avail_in = static_cast<uInt>(size);
  stream.next_out = compressed.data();
  stream.avail_out = static_cast<uInt>(compressed.size());
  const int status = deflate(&stream, Z_FINISH);
  compressed.resize(stream.total_out);
  deflateEnd(&stream);
  if (status != Z_STREAM_END)
  {
    throw std::runtime_error("deflate did not finish");
  }
  return compressed;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  using namespace cnnslicer;
  if (size < 2)
  {
    return 0;
  }
  const std::uint8_t flags = data[0];
  const std::uint8_t amount = data[1];
  const std::uint8_t* content = data + 2;
  const std::size_t contentSize = size - 2;

  std::vector<std::uint8_t> file = gzipCompress(content, contentSize, flags % 10);
  if (flags & 0x10)
  {
    // A cut-off download.
    file.resize(file.size() - std::min<std::size_t>(file.size(), amount % 32));
  }
  if (flags & 0x20)
  {
    // Concatenated members: the second one holds the last `amount` content bytes again.
    const std::size_t tail = std::min<std::size_t>(contentSize, amount);
    const std::vector<std::uint8_t> member =
      gzipCompress(content + contentSize - tail, tail, Z_BEST_SPEED);
    file.insert(file.end(), member.begin(), member.end());
  }
  if (flags & 0x40)
  {
    // Padding after the last member, which gzip -d ignores.
    file.insert(file.end(), amount % 16, 0);
  }
  const std::filesystem::path folder = fuzzing::freshFolder("idx-gzip");
  const std::string path =
    fuzzing::writeFile(folder / "images-idx3-ubyte.gz", file.data(), file.size());
  fuzzing::refuseOnlyWithDatasetError(
    [&]
    {
      if (flags & 0x80)
      {
        readIdxFile(path);
      }
      else
      {
        fuzzing::useDataset(loadIdxDataset(path, ""));
      }
    });
  return 0;
}
