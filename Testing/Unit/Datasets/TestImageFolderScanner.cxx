// ImageFolder scanning: labels and order as torchvision's ImageFolder assigns them. The
// image files are empty: scanning never decodes.
#include "DatasetTestUtilities.h"
#include "ImageFolderScanner.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

using namespace cnnslicer;
using namespace cnnslicer::testing;

TEST(ImageFolderScanner, SortedClassesAndFilesLikeTorchvision)
{
  TemporaryFolder root;
  for (const std::string name : { "cat/b.png",
                                  "cat/a.JPG",
                                  "cat/B.png",
                                  "cat/notes.txt",
                                  "cat/sub/c.jpeg",
                                  "dog/z.png",
                                  "ant/x.jpeg",
                                  "README.md" })
  {
    writeFile(root.file(name), {});
  }
  const ImageFolderScan scan = scanImageFolder(root.path().string());
  EXPECT_EQ(scan.Root, root.path().string());
  EXPECT_EQ(scan.ClassNames, (std::vector<std::string>{ "ant", "cat", "dog" }));
  // Byte order: "B.png" before "a.JPG"; a subfolder's files after its parent's files.
  const std::vector<std::string> expectedPaths = { "ant/x.jpeg", "cat/B.png",      "cat/a.JPG",
                                                   "cat/b.png",  "cat/sub/c.jpeg", "dog/z.png" };
  const std::vector<std::int64_t> expectedLabels = { 0, 1, 1, 1, 1, 2 };
  ASSERT_EQ(scan.Images.size(), expectedPaths.size());
  for (std::size_t i = 0; i < expectedPaths.size(); ++i)
  {
    EXPECT_EQ(scan.Images[i].Path, root.file(expectedPaths[i])) << i;
    EXPECT_EQ(scan.Images[i].Label, expectedLabels[i]) << i;
  }
  EXPECT_EQ(scan.labels(), expectedLabels);
  EXPECT_EQ(scan.IgnoredFiles, 2u);
}

TEST(ImageFolderScanner, CustomExtensions)
{
  TemporaryFolder root;
  writeFile(root.file("one/a.bmp"), {});
  writeFile(root.file("one/b.png"), {});
  const ImageFolderScan scan = scanImageFolder(root.path().string(), { ".BMP" });
  ASSERT_EQ(scan.Images.size(), 1u);
  EXPECT_EQ(scan.Images[0].Path, root.file("one/a.bmp"));
  EXPECT_EQ(scan.IgnoredFiles, 1u);
}

TEST(ImageFolderScannerErrors, EmptyClassFolder)
{
  TemporaryFolder root;
  writeFile(root.file("cat/a.png"), {});
  writeFile(root.file("dog/readme.txt"), {});
  expectMessageContains(
    datasetErrorMessage([&] { scanImageFolder(root.path().string()); }),
    { root.file("dog"), "class folder 'dog' holds no image", ".png, .jpg, .jpeg" });
}

TEST(ImageFolderScannerErrors, NoClassFoldersMissingRootOrAFile)
{
  TemporaryFolder root;
  writeFile(root.file("a.png"), {});
  expectMessageContains(datasetErrorMessage([&] { scanImageFolder(root.path().string()); }),
                        { root.path().string(), "holds no class folders" });
  expectMessageContains(datasetErrorMessage([&] { scanImageFolder(root.file("a.png")); }),
                        { root.file("a.png"), "is not a folder" });
  expectMessageContains(datasetErrorMessage([&] { scanImageFolder(root.file("absent")); }),
                        { root.file("absent"), "folder not found" });
}

// Links to folders are followed (as torchvision does), but each real folder is listed
// once: two links to one folder do not double its images.
TEST(ImageFolderScanner, FolderReachedThroughTwoLinksIsListedOnce)
{
  TemporaryFolder root;
  writeFile(root.file("cat/shared/a.png"), {});
  writeFile(root.file("dog/d.png"), {});
  std::filesystem::create_directory_symlink("shared", root.file("cat/link1"));
  std::filesystem::create_directory_symlink("shared", root.file("cat/link2"));
  const ImageFolderScan scan = scanImageFolder(root.path().string());
  ASSERT_EQ(scan.Images.size(), 2u);
  EXPECT_EQ(scan.Images[1].Path, root.file("dog/d.png"));
  EXPECT_EQ(scan.Images[0].Label, 0);
}

// Found by fuzzing (Testing/Fuzz/regressions/image_folder): links back to a parent folder
// made the walk loop until the kernel's 40-link limit, and two of them per level made it
// exponential (a timeout). A cycle is now refused at once.
TEST(ImageFolderScannerErrors, LinkBackToAContainingFolderIsACycle)
{
  TemporaryFolder root;
  writeFile(root.file("cat/a/1.png"), {});
  std::filesystem::create_directory_symlink("..", root.file("cat/a/up1"));
  std::filesystem::create_directory_symlink("..", root.file("cat/a/up2"));
  const auto start = std::chrono::steady_clock::now();
  const std::string message = datasetErrorMessage([&] { scanImageFolder(root.path().string()); });
  const double seconds =
    std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // Either link may be met first: directory order is the file system's.
  expectMessageContains(message,
                        { root.file("cat/a/up"),
                          ": is a link back to the folder " + root.file("cat") +
                            " that contains it (a cycle); remove the link, or point it at a "
                            "folder outside the dataset" });
  EXPECT_LT(seconds, 0.5);
}
