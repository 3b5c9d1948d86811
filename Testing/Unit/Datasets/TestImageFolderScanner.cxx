// ImageFolder scanning: labels and order as torchvision's ImageFolder assigns them. The
// image files are empty: scanning never decodes.
#include "DatasetTestUtilities.h"
#include "ImageFolderScanner.h"

#include <gtest/gtest.h>

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
