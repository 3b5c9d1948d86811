/**
 * @file TorchScriptArchive.h
 * @brief Looks inside a TorchScript `.pt` file (a zip archive) without LibTorch: what it
 * holds and how much memory its tensors will take, checked before the model is loaded.
 */
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cnnslicer
{

/// One member of a zip archive, from its central-directory record.
struct ZipEntry
{
  std::string Name;
  /// 0 stored, 8 deflated (PyTorch stores tensors and compresses nothing else by default).
  std::uint16_t Method = 0;
  std::uint64_t CompressedSize = 0;
  std::uint64_t UncompressedSize = 0;
  std::uint64_t LocalHeaderOffset = 0;
};

/**
 * @brief The table of contents of a TorchScript archive.
 *
 * torch.jit.save writes a zip whose entries all lie under one folder named after the
 * file: `<folder>/data.pkl` (the module's pickle), `<folder>/code/...` (TorchScript
 * source), `<folder>/data/<k>` and `<folder>/constants/<k>` (tensor storages, one entry
 * each, stored uncompressed), `<folder>/extra/...` (extra files such as cnnslicer.json).
 */
struct TorchScriptArchiveInfo
{
  std::vector<ZipEntry> Entries;
  /// True when the archive needed the zip64 records (over 4 GB or 65,535 entries).
  bool Zip64 = false;
  /// Sum of the declared (uncompressed) sizes of the tensor entries: what torch::jit::load
  /// allocates for the model's parameters, buffers and constants.
  std::uint64_t TensorBytes = 0;
  std::size_t TensorCount = 0;
  /// Name of the `<folder>/extra/cnnslicer.json` entry, or "" when there is none.
  std::string MetadataEntry;
};

/**
 * Reads the zip end-of-central-directory record (zip64 too) and the central directory of
 * @p path; only those few kilobytes at the end of the file are read, never the tensors.
 * Throws DatasetError when the file is missing, is not a zip archive, is a damaged one, or
 * is a zip but not a TorchScript archive (no `data.pkl`, or no `code/` folder, as in a
 * torch.save checkpoint). Nothing is allocated from a size the archive declares before it
 * is checked against the file size.
 */
TorchScriptArchiveInfo inspectTorchScriptArchive(const std::string& path);

/**
 * inspectTorchScriptArchive(), then refuses the archive (DatasetError) when its declared
 * tensors exceed @p memoryLimitBytes. Call it before torch::jit::load, which allocates
 * every tensor of the archive and runs the archive's code.
 */
TorchScriptArchiveInfo checkTorchScriptArchive(const std::string& path,
                                               std::uint64_t memoryLimitBytes);

/// The tensors a model may declare unless told otherwise (the reader's MemoryLimit default).
inline constexpr std::uint64_t DefaultModelMemoryLimitBytes = std::uint64_t(8) << 30;

/// @p bytes for messages: "12.3 GB", "8 GB", "512 MB", "3 KB" (units of 1024).
std::string formatByteSize(std::uint64_t bytes);

} // namespace cnnslicer
