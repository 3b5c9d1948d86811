// The TorchScript archive inspector: zip directories (classic and zip64) written by the
// test itself, the project's shipped model, and every way an archive is refused before
// LibTorch would load it.
#include "DatasetTestUtilities.h"
#include "LibTorchMessages.h"
#include "TorchScriptArchive.h"

#include <gtest/gtest.h>

#include <zlib.h>

#include <chrono>
#include <fstream>
#include <functional>

using namespace cnnslicer;
using namespace cnnslicer::testing;

namespace
{

/// One member of a test archive. Data is written as given; DeclaredSize and StoredSize
/// (when set) replace the uncompressed and compressed sizes the directory declares, to
/// forge archives or to describe data that is written separately.
struct Member
{
  std::string Name;
  Bytes Data;
  std::uint16_t Method = 0;
  std::uint64_t DeclaredSize = UINT64_MAX;
  std::uint64_t StoredSize = UINT64_MAX;

  std::uint64_t uncompressedSize() const
  {
    return DeclaredSize == UINT64_MAX ? Data.size() : DeclaredSize;
  }
  std::uint64_t compressedSize() const
  {
    return StoredSize == UINT64_MAX ? Data.size() : StoredSize;
  }
};

void put16(Bytes& out, std::uint64_t value)
{
  out.push_back(static_cast<std::uint8_t>(value));
  out.push_back(static_cast<std::uint8_t>(value >> 8));
}

void put32(Bytes& out, std::uint64_t value)
{
  put16(out, value & 0xFFFF);
  put16(out, (value >> 16) & 0xFFFF);
}

void put64(Bytes& out, std::uint64_t value)
{
  put32(out, value & 0xFFFFFFFF);
  put32(out, value >> 32);
}

void putText(Bytes& out, const std::string& text)
{
  out.insert(out.end(), text.begin(), text.end());
}

/**
 * The central directory and end records (PKWARE APPNOTE 4.3) of @p members whose local
 * headers and data start at @p offsets; @p directoryOffset is where the directory begins.
 * With @p zip64 every size and offset moves to a zip64 extra field and the zip64 end
 * records are written, as zip writers do above 4 GB.
 */
Bytes directoryAndEnd(const std::vector<Member>& members,
                      const std::vector<std::uint64_t>& offsets,
                      std::uint64_t directoryOffset,
                      bool zip64,
                      const std::string& comment = "")
{
  Bytes directory;
  for (std::size_t i = 0; i < members.size(); ++i)
  {
    const Member& member = members[i];
    put32(directory, 0x02014b50);
    put16(directory, 45);
    put16(directory, 45);
    put16(directory, 0);
    put16(directory, member.Method);
    put32(directory, 0);
    put32(directory, crc32(0, member.Data.data(), static_cast<uInt>(member.Data.size())));
    put32(directory, zip64 ? 0xFFFFFFFF : member.compressedSize());
    put32(directory, zip64 ? 0xFFFFFFFF : member.uncompressedSize());
    put16(directory, member.Name.size());
    put16(directory, zip64 ? 28 : 0);
    put16(directory, 0);
    put16(directory, 0);
    put16(directory, 0);
    put32(directory, 0);
    put32(directory, zip64 ? 0xFFFFFFFF : offsets[i]);
    putText(directory, member.Name);
    if (zip64)
    {
      put16(directory, 0x0001);
      put16(directory, 24);
      put64(directory, member.uncompressedSize());
      put64(directory, member.compressedSize());
      put64(directory, offsets[i]);
    }
  }
  Bytes out = directory;
  const std::uint64_t zip64RecordOffset = directoryOffset + directory.size();
  if (zip64)
  {
    put32(out, 0x06064b50);
    put64(out, 44);
    put16(out, 45);
    put16(out, 45);
    put32(out, 0);
    put32(out, 0);
    put64(out, members.size());
    put64(out, members.size());
    put64(out, directory.size());
    put64(out, directoryOffset);
    put32(out, 0x07064b50);
    put32(out, 0);
    put64(out, zip64RecordOffset);
    put32(out, 1);
  }
  put32(out, 0x06054b50);
  put16(out, 0);
  put16(out, 0);
  put16(out, zip64 ? 0xFFFF : members.size());
  put16(out, zip64 ? 0xFFFF : members.size());
  put32(out, zip64 ? 0xFFFFFFFF : directory.size());
  put32(out, zip64 ? 0xFFFFFFFF : directoryOffset);
  put16(out, comment.size());
  putText(out, comment);
  return out;
}

Bytes localHeader(const Member& member)
{
  Bytes out;
  put32(out, 0x04034b50);
  put16(out, 45);
  put16(out, 0);
  put16(out, member.Method);
  put32(out, 0);
  put32(out, crc32(0, member.Data.data(), static_cast<uInt>(member.Data.size())));
  put32(out, member.Data.size());
  put32(out, member.Data.size());
  put16(out, member.Name.size());
  put16(out, 0);
  putText(out, member.Name);
  return out;
}

/// A whole zip archive of @p members.
Bytes zipArchive(const std::vector<Member>& members,
                 bool zip64 = false,
                 const std::string& comment = "")
{
  Bytes out;
  std::vector<std::uint64_t> offsets;
  for (const Member& member : members)
  {
    offsets.push_back(out.size());
    const Bytes header = localHeader(member);
    out.insert(out.end(), header.begin(), header.end());
    out.insert(out.end(), member.Data.begin(), member.Data.end());
  }
  const Bytes tail = directoryAndEnd(members, offsets, out.size(), zip64, comment);
  out.insert(out.end(), tail.begin(), tail.end());
  return out;
}

Bytes text(const std::string& value)
{
  return Bytes(value.begin(), value.end());
}

/// The entries torch.jit.save writes for a model with tensors of @p tensorSizes bytes.
std::vector<Member> torchScriptMembers(const std::vector<std::size_t>& tensorSizes,
                                       bool withMetadata = true)
{
  std::vector<Member> members;
  if (withMetadata)
  {
    members.push_back({ "net/extra/cnnslicer.json", text(R"({"input_shape": [1, 2, 2]})") });
  }
  for (std::size_t k = 0; k < tensorSizes.size(); ++k)
  {
    members.push_back({ "net/data/" + std::to_string(k), Bytes(tensorSizes[k], 7) });
  }
  members.push_back({ "net/data.pkl", text("\x80\x02}q\x00.") });
  members.push_back({ "net/code/__torch__/model.py", text("def forward(self, x):\n  return x\n") });
  members.push_back({ "net/constants.pkl", text("\x80\x02).") });
  members.push_back({ "net/version", text("3\n") });
  return members;
}

std::string archiveError(const std::string& path, std::uint64_t limit = UINT64_MAX)
{
  return datasetErrorMessage([&] { checkTorchScriptArchive(path, limit); });
}

} // namespace

TEST(TorchScriptArchive, FormatsByteSizesForMessages)
{
  EXPECT_EQ(formatByteSize(0), "0 bytes");
  EXPECT_EQ(formatByteSize(1023), "1023 bytes");
  EXPECT_EQ(formatByteSize(3 * 1024), "3 KB");
  EXPECT_EQ(formatByteSize(512ull << 20), "512 MB");
  EXPECT_EQ(formatByteSize(8ull << 30), "8 GB");
  EXPECT_EQ(formatByteSize(static_cast<std::uint64_t>(12.3 * (1ull << 30))), "12.3 GB");
  EXPECT_EQ(formatByteSize(UINT64_MAX), "16 EB");
}

// The model shipped in Examples/Data, written by torch.jit.save: ten parameter tensors.
TEST(TorchScriptArchive, DescribesLibTorchLoadFailuresInOneLine)
{
  // LibTorch 1.13's text for a data.pkl that holds an int (two lines, asking for a bug
  // report) becomes the reason; any other message keeps its first line.
  EXPECT_EQ(describeTorchScriptLoadFailure(
              "isObject() INTERNAL ASSERT FAILED at \"./aten/src/ATen/core/ivalue_inl.h\":120, "
              "please report a bug to PyTorch. Expected Object but got Int\nException raised "
              "from toObject"),
            "its data.pkl holds a value of type Int, not a module");
  EXPECT_EQ(describeTorchScriptLoadFailure("PytorchStreamReader failed\nframe #0"),
            "PytorchStreamReader failed");
  EXPECT_EQ(describeTorchScriptLoadFailure("one line"), "one line");
  // A text that starts with a line break keeps its first line that says something; one
  // with nothing to say still gives a reason, never an empty one.
  EXPECT_EQ(describeTorchScriptLoadFailure("\n  stream ended early \nframe #0"),
            "stream ended early");
  EXPECT_EQ(describeTorchScriptLoadFailure(""),
            "LibTorch gave no reason; the file is damaged or incomplete");
  EXPECT_EQ(describeTorchScriptLoadFailure("\n \n"),
            "LibTorch gave no reason; the file is damaged or incomplete");
  EXPECT_EQ(firstLine("\r\nfirst\r\nsecond"), "first");
}

TEST(TorchScriptArchive, ReadsTheShippedTorchScriptExport)
{
  const std::string path =
    std::string(CNNSLICER_SOURCE_DIR) + "/Examples/Data/lenet5-fashion-mnist.pt";
  const TorchScriptArchiveInfo info = inspectTorchScriptArchive(path);
  // LibTorch's writer (miniz) always adds the zip64 end records.
  EXPECT_TRUE(info.Zip64);
  EXPECT_EQ(info.TensorCount, 10u);
  EXPECT_EQ(info.TensorBytes, 600u + 24 + 9600 + 64 + 192000 + 480 + 40320 + 336 + 3360 + 40);
  EXPECT_EQ(info.MetadataEntry, "lenet5-fashion-mnist/extra/cnnslicer.json");
  EXPECT_EQ(checkTorchScriptArchive(path, info.TensorBytes).TensorBytes, info.TensorBytes);
  expectMessageContains(archiveError(path, 100000),
                        { path + ": declares 241 KB of tensors, above the memory limit of 97.7 KB",
                          "raise MemoryLimit or use a smaller model" });
}

TEST(TorchScriptArchive, ListsEntriesAndSumsTheTensors)
{
  TemporaryFolder folder;
  const std::string path = folder.file("model.pt");
  std::vector<Member> members = torchScriptMembers({ 24, 96, 4 });
  members.push_back({ "net/constants/0", Bytes(16, 1) });
  writeFile(path, zipArchive(members, false, "a zip comment"));
  const TorchScriptArchiveInfo info = inspectTorchScriptArchive(path);
  ASSERT_EQ(info.Entries.size(), members.size());
  EXPECT_EQ(info.Entries[1].Name, "net/data/0");
  EXPECT_EQ(info.Entries[1].UncompressedSize, 24u);
  EXPECT_EQ(info.TensorCount, 4u);
  EXPECT_EQ(info.TensorBytes, 24u + 96 + 4 + 16);
  EXPECT_EQ(info.MetadataEntry, "net/extra/cnnslicer.json");

  writeFile(path, zipArchive(torchScriptMembers({ 8 }, false)));
  EXPECT_EQ(inspectTorchScriptArchive(path).MetadataEntry, "");
}

TEST(TorchScriptArchive, ReadsZip64Records)
{
  TemporaryFolder folder;
  const std::string path = folder.file("model.pt");
  writeFile(path, zipArchive(torchScriptMembers({ 8, 12 }), true));
  const TorchScriptArchiveInfo info = inspectTorchScriptArchive(path);
  EXPECT_TRUE(info.Zip64);
  EXPECT_EQ(info.TensorCount, 2u);
  EXPECT_EQ(info.TensorBytes, 20u);
  EXPECT_EQ(info.Entries.back().Name, "net/version");
}

// A 4.5 GB tensor in a sparse file: offsets and sizes beyond 32 bits (zip64), accepted or
// refused from the directory at the end of the file in milliseconds, without reading the
// tensor or allocating anything like its size.
TEST(TorchScriptArchive, RefusesTensorsAboveTheMemoryLimitBeforeLoading)
{
  TemporaryFolder folder;
  const std::string path = folder.file("big.pt");
  const std::uint64_t tensorBytes = (9ull << 30) / 2;
  std::vector<Member> members = torchScriptMembers({});
  Member tensor{ "net/data/0", {} };
  tensor.DeclaredSize = tensorBytes;
  tensor.StoredSize = tensorBytes;
  members.push_back(tensor);

  Bytes head;
  std::vector<std::uint64_t> offsets;
  for (const Member& member : members)
  {
    offsets.push_back(head.size());
    const Bytes header = localHeader(member);
    head.insert(head.end(), header.begin(), header.end());
    head.insert(head.end(), member.Data.begin(), member.Data.end());
  }
  // The tensor's data (zeros) is the hole between its local header and the directory.
  const std::uint64_t directoryOffset = head.size() + tensorBytes;
  const Bytes tail = directoryAndEnd(members, offsets, directoryOffset, true);
  {
    std::ofstream file(path, std::ios::binary);
    file.write(reinterpret_cast<const char*>(head.data()),
               static_cast<std::streamsize>(head.size()));
    file.seekp(static_cast<std::streamoff>(directoryOffset));
    file.write(reinterpret_cast<const char*>(tail.data()),
               static_cast<std::streamsize>(tail.size()));
  }

  resetLargestAllocation();
  const auto start = std::chrono::steady_clock::now();
  const TorchScriptArchiveInfo info = checkTorchScriptArchive(path, 8ull << 30);
  const std::string message = archiveError(path, 4ull << 30);
  const double seconds =
    std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(info.Zip64);
  EXPECT_EQ(info.TensorCount, 1u);
  EXPECT_EQ(info.TensorBytes, tensorBytes);
  EXPECT_EQ(info.Entries.back().LocalHeaderOffset, offsets.back());
  expectMessageContains(message,
                        { path + ": declares 4.5 GB of tensors, above the memory limit of 4 GB; "
                                 "raise MemoryLimit or use a smaller model" });
  EXPECT_LT(seconds, 0.05);
  EXPECT_LT(largestAllocation(), std::size_t(1) << 20);
}

TEST(TorchScriptArchiveErrors, NotAZipArchive)
{
  TemporaryFolder folder;
  for (const std::string& content :
       { std::string(), std::string("this is not a zip archive"), std::string(100000, 'P') })
  {
    const std::string path = folder.file("model.pt");
    writeTextFile(path, content);
    expectMessageContains(archiveError(path),
                          { path + ": is not a TorchScript archive (zip); export it with "
                                   "torch.jit.script/trace and save it with torch.jit.save" });
  }
  expectMessageContains(archiveError(folder.file("missing.pt")), { "file not found" });
}

TEST(TorchScriptArchiveErrors, ZipsThatAreNotTorchScript)
{
  TemporaryFolder folder;
  const std::string path = folder.file("model.pt");
  writeFile(path, zipArchive({ { "notes/readme.txt", text("hello") } }));
  expectMessageContains(
    archiveError(path),
    { path + ": is a zip archive but not a TorchScript archive (it has no data.pkl)" });

  // torch.save(model.state_dict()) writes data.pkl and data/ but no code.
  writeFile(path,
            zipArchive({ { "ckpt/data.pkl", text("\x80\x02}.") },
                         { "ckpt/data/0", Bytes(16, 0) },
                         { "ckpt/version", text("3\n") } }));
  expectMessageContains(archiveError(path),
                        { path + ": is a torch.save checkpoint (weights without TorchScript "
                                 "code), not a TorchScript archive",
                          "load it into the model in Python, then export it with "
                          "torch.jit.script/trace" });
}

TEST(TorchScriptArchiveErrors, DamagedArchives)
{
  TemporaryFolder folder;
  const std::string path = folder.file("model.pt");
  const Bytes good = zipArchive(torchScriptMembers({ 24, 96 }));
  const std::size_t end = good.size() - 22;
  const auto damagedBy = [&](const std::function<void(Bytes&)>& change)
  {
    Bytes bytes = good;
    change(bytes);
    writeFile(path, bytes);
    return archiveError(path);
  };
  const auto set32 = [](Bytes& bytes, std::size_t at, std::uint32_t value)
  {
    for (int b = 0; b < 4; ++b)
    {
      bytes[at + b] = static_cast<std::uint8_t>(value >> (8 * b));
    }
  };

  expectMessageContains(damagedBy([&](Bytes& b) { set32(b, end + 16, 0x7FFFFFF0); }),
                        { path + ": is a damaged zip archive (central directory of",
                          "lies outside the file); export the model again with torch.jit.save" });
  expectMessageContains(damagedBy(
                          [&](Bytes& b)
                          {
                            b[end + 10] = 200;
                            b[end + 8] = 200;
                          }),
                        { "200 entries cannot fit in a central directory" });
  expectMessageContains(damagedBy(
                          [&](Bytes& b)
                          {
                            b[end + 10] = 3;
                            b[end + 8] = 3;
                          }),
                        { "the central directory holds more than its 3 entries" });
  expectMessageContains(damagedBy([&](Bytes& b) { b[end + 4] = 1; }),
                        { "a multi-part (split) archive" });
  expectMessageContains(damagedBy([&](Bytes& b) { set32(b, end + 12, 0xFFFFFFFF); }),
                        { "zip64 sizes without a zip64 end record locator" });

  // Entries whose declared sizes cannot be true.
  std::vector<Member> members = torchScriptMembers({ 24 });
  members[1].DeclaredSize = 1u << 30;
  writeFile(path, zipArchive(members));
  expectMessageContains(archiveError(path),
                        { "stored entry 'net/data/0' declares 1073741824 bytes but holds 24" });
  members[1].Method = 8;
  writeFile(path, zipArchive(members));
  expectMessageContains(archiveError(path),
                        { "entry 'net/data/0' declares 1073741824 bytes from 24 compressed "
                          "bytes, more than DEFLATE can expand" });
  members[1].Method = 12;
  members[1].DeclaredSize = UINT64_MAX;
  writeFile(path, zipArchive(members));
  expectMessageContains(archiveError(path),
                        { "entry 'net/data/0' uses compression method 12, which LibTorch "
                          "cannot read" });
  writeFile(path, Bytes(good.begin(), good.begin() + 40));
  expectMessageContains(archiveError(path), { "is not a TorchScript archive (zip)" });
}
