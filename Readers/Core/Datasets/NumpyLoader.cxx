#include "NumpyLoader.h"

#include "PlainOrGzipFile.h"

#include "DatasetError.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

namespace cnnslicer
{

namespace
{

/// NumPy itself refuses headers above 10,000 bytes unless told otherwise; anything far
/// larger is not a header.
constexpr std::uint64_t MaximumHeaderBytes = std::uint64_t(1) << 20;
const std::string SaveAgainFix = "save the array again with numpy.save";

/// The values of the Python literal dict that a .npy header is.
struct PythonValue
{
  enum class Kind
  {
    String,
    Boolean,
    Integer,
    IntegerTuple,
    Other
  };
  Kind Type = Kind::Other;
  std::string Text;
  bool Boolean = false;
  std::uint64_t Integer = 0;
  std::vector<std::uint64_t> Integers;
};

/**
 * @brief Parser for the subset of Python literals that np.save writes into a header:
 * a dict of str keys to str, bool, int tuples (and, for structured dtypes, lists, which
 * are recognised only to be refused).
 */
class NpyHeaderParser
{
public:
  NpyHeaderParser(const std::string& text, const std::string& path)
    : Text(text)
    , Path(path)
  {
  }

  std::vector<std::pair<std::string, PythonValue>> parseDict()
  {
    std::vector<std::pair<std::string, PythonValue>> entries;
    expect('{');
    while (true)
    {
      skipSpace();
      if (peek() == '}')
      {
        ++Position;
        return entries;
      }
      PythonValue key = parseValue();
      if (key.Type != PythonValue::Kind::String)
      {
        fail("a dict key is not a string");
      }
      expect(':');
      entries.emplace_back(key.Text, parseValue());
      skipSpace();
      if (peek() == ',')
      {
        ++Position;
      }
      else if (peek() != '}')
      {
        fail("expected ',' or '}'");
      }
    }
  }

private:
  [[noreturn]] void fail(const std::string& what) const
  {
    throw DatasetError(Path,
                       "malformed .npy header: " + what + " at character " +
                         std::to_string(Position),
                       SaveAgainFix);
  }

  char peek() const { return Position < Text.size() ? Text[Position] : '\0'; }

  void skipSpace()
  {
    while (Position < Text.size() && std::isspace(static_cast<unsigned char>(Text[Position])))
    {
      ++Position;
    }
  }

  void expect(char c)
  {
    skipSpace();
    if (peek() != c)
    {
      fail(std::string("expected '") + c + "'");
    }
    ++Position;
  }

  bool consumeWord(const char* word)
  {
    const std::size_t length = std::strlen(word);
    if (Text.compare(Position, length, word) == 0)
    {
      Position += length;
      return true;
    }
    return false;
  }

  PythonValue parseValue()
  {
    skipSpace();
    PythonValue value;
    const char c = peek();
    if (c == '\'' || c == '"')
    {
      ++Position;
      value.Type = PythonValue::Kind::String;
      while (Position < Text.size() && Text[Position] != c)
      {
        if (Text[Position] == '\\' && Position + 1 < Text.size())
        {
          ++Position;
        }
        value.Text += Text[Position++];
      }
      if (Position >= Text.size())
      {
        fail("unterminated string");
      }
      ++Position;
    }
    else if (consumeWord("True"))
    {
      value.Type = PythonValue::Kind::Boolean;
      value.Boolean = true;
    }
    else if (consumeWord("False"))
    {
      value.Type = PythonValue::Kind::Boolean;
    }
    else if (consumeWord("None"))
    {
      value.Type = PythonValue::Kind::Other;
    }
    else if (c == '(' || c == '[')
    {
      const char close = c == '(' ? ')' : ']';
      if (++Depth > MaximumNesting)
      {
        fail("brackets nested deeper than " + std::to_string(MaximumNesting) + " levels");
      }
      ++Position;
      value.Type = c == '(' ? PythonValue::Kind::IntegerTuple : PythonValue::Kind::Other;
      while (true)
      {
        skipSpace();
        if (peek() == close)
        {
          ++Position;
          break;
        }
        const PythonValue element = parseValue();
        if (element.Type == PythonValue::Kind::Integer)
        {
          value.Integers.push_back(element.Integer);
        }
        else
        {
          value.Type = PythonValue::Kind::Other;
        }
        skipSpace();
        if (peek() == ',')
        {
          ++Position;
        }
        else if (peek() != close)
        {
          fail(std::string("expected ',' or '") + close + "'");
        }
      }
      --Depth;
    }
    else if (std::isdigit(static_cast<unsigned char>(c)))
    {
      std::uint64_t number = 0;
      while (std::isdigit(static_cast<unsigned char>(peek())))
      {
        const unsigned digit = static_cast<unsigned>(peek() - '0');
        if (number > (std::numeric_limits<std::uint64_t>::max() - digit) / 10)
        {
          fail("an integer does not fit in 64 bits");
        }
        number = number * 10 + digit;
        ++Position;
      }
      // Python 2 wrote long integers with an L suffix.
      if (peek() == 'L')
      {
        ++Position;
      }
      value.Type = PythonValue::Kind::Integer;
      value.Integer = number;
    }
    else
    {
      fail(c == '\0' ? "unexpected end" : std::string("unexpected '") + c + "'");
    }
    return value;
  }

  /// np.save nests two levels (a shape tuple in the dict), a nested structured dtype a
  /// few more; the parser recurses once per level, so a header of a million '[' (the
  /// header may be 1 MB) overflowed the stack before this limit.
  static constexpr unsigned MaximumNesting = 32;

  const std::string& Text;
  const std::string& Path;
  std::size_t Position = 0;
  unsigned Depth = 0;
};

std::string shapeText(const std::vector<std::uint64_t>& shape)
{
  std::string text = "(";
  for (std::size_t i = 0; i < shape.size(); ++i)
  {
    text += (i == 0 ? "" : ", ") + std::to_string(shape[i]);
  }
  return text + (shape.size() == 1 ? ",)" : ")");
}

void parseDescr(NpyHeader& header, const std::string& path)
{
  const std::string& descr = header.Descr;
  std::size_t at = 0;
  header.ByteOrder = '|';
  if (!descr.empty() && descr[0] != '\0' && std::strchr("<>|=", descr[0]))
  {
    header.ByteOrder = descr[0];
    at = 1;
  }
  const bool sizeIsNumber = descr.size() > at + 1 && descr.size() <= at + 3 &&
                            std::all_of(descr.begin() + static_cast<std::ptrdiff_t>(at + 1),
                                        descr.end(),
                                        [](unsigned char c) { return std::isdigit(c) != 0; });
  if (sizeIsNumber)
  {
    header.Kind = descr[at];
    header.ItemSize = static_cast<std::size_t>(std::stoul(descr.substr(at + 1)));
  }
  const bool supported =
    sizeIsNumber && ((header.Kind == 'f' && (header.ItemSize == 4 || header.ItemSize == 8)) ||
                     ((header.Kind == 'u' || header.Kind == 'i') &&
                      (header.ItemSize == 1 || header.ItemSize == 2 || header.ItemSize == 4 ||
                       header.ItemSize == 8)));
  if (!supported)
  {
    throw DatasetError(path,
                       "unsupported dtype '" + descr + "' in .npy file",
                       "save images as uint8, float32 or float64 and labels as integers");
  }
}

/**
 * Values of a .npy payload, whatever their byte order and type, as a 64-bit pattern
 * assembled from bytes: independent of the host's byte order.
 */
class NpyElementDecoder
{
public:
  explicit NpyElementDecoder(const NpyHeader& header)
    : Size(header.ItemSize)
    , BigEndian(header.ByteOrder == '>' || (header.ByteOrder != '<' && hostIsBigEndian()))
    , Kind(header.Kind)
  {
  }

  std::uint64_t bits(const unsigned char* element) const
  {
    std::uint64_t value = 0;
    for (std::size_t b = 0; b < Size; ++b)
    {
      const std::size_t significance = BigEndian ? Size - 1 - b : b;
      value |= std::uint64_t(element[b]) << (8 * significance);
    }
    return value;
  }

  float asFloat(const unsigned char* element) const
  {
    const std::uint64_t pattern = bits(element);
    if (Kind == 'f' && Size == 4)
    {
      const auto narrow = static_cast<std::uint32_t>(pattern);
      float value;
      std::memcpy(&value, &narrow, 4);
      return value;
    }
    double value;
    std::memcpy(&value, &pattern, 8);
    return static_cast<float>(value);
  }

  /// Integer value; false when it does not fit in int64 (a uint64 above 2^63 - 1).
  bool asInteger(const unsigned char* element, std::int64_t& value) const
  {
    const std::uint64_t pattern = bits(element);
    if (Kind == 'u')
    {
      if (pattern > std::uint64_t(std::numeric_limits<std::int64_t>::max()))
      {
        return false;
      }
      value = static_cast<std::int64_t>(pattern);
      return true;
    }
    const unsigned shift = static_cast<unsigned>(64 - 8 * Size);
    value = static_cast<std::int64_t>(pattern << shift) >> shift;
    return true;
  }

private:
  static bool hostIsBigEndian()
  {
    const std::uint16_t probe = 1;
    unsigned char first;
    std::memcpy(&first, &probe, 1);
    return first == 0;
  }

  std::size_t Size;
  bool BigEndian;
  char Kind;
};

std::vector<unsigned char> readPayload(const std::string& path, const NpyHeader& header)
{
  std::ifstream stream(path, std::ios::binary);
  stream.seekg(static_cast<std::streamoff>(header.DataOffset));
  std::vector<unsigned char> bytes(
    static_cast<std::size_t>(header.numberOfElements() * header.ItemSize));
  stream.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!stream)
  {
    throw DatasetError(path,
                       "the file became shorter while it was read",
                       "do not modify the dataset while it loads");
  }
  return bytes;
}

std::vector<std::int64_t> decodeLabels(const std::string& path, const NpyHeader& header)
{
  const std::vector<unsigned char> bytes = readPayload(path, header);
  const NpyElementDecoder decoder(header);
  std::vector<std::int64_t> labels(static_cast<std::size_t>(header.numberOfElements()));
  for (std::size_t i = 0; i < labels.size(); ++i)
  {
    if (!decoder.asInteger(bytes.data() + i * header.ItemSize, labels[i]))
    {
      throw DatasetError(path,
                         "label " + std::to_string(i) + " does not fit in int64",
                         "store class indices as int64");
    }
  }
  return labels;
}

NpyHeader readLabelsHeader(const std::string& path, std::uint64_t maximumBytes)
{
  NpyHeader header = readNpyHeader(path, maximumBytes);
  if (header.Kind == 'f')
  {
    throw DatasetError(path,
                       "unsupported dtype '" + header.Descr + "' for labels",
                       "save labels as integers (int64, int32 or uint8)");
  }
  if (header.Shape.size() != 1)
  {
    throw DatasetError(path,
                       "labels array has shape " + shapeText(header.Shape) +
                         ", expected a 1-D array",
                       "save labels.ravel()");
  }
  return header;
}

} // namespace

std::uint64_t NpyHeader::numberOfElements() const
{
  std::uint64_t count = 1;
  for (const std::uint64_t extent : Shape)
  {
    count *= extent;
  }
  return count;
}

NpyHeader readNpyHeader(const std::string& path, std::uint64_t maximumBytes)
{
  const std::uint64_t fileSize = existingFileSize(path, "give the .npy file itself");
  std::ifstream stream(path, std::ios::binary);
  if (!stream)
  {
    throw DatasetError(path,
                       std::string("cannot open the file (") + std::strerror(errno) + ")",
                       "check its permissions");
  }

  unsigned char preamble[12] = {};
  stream.read(reinterpret_cast<char*>(preamble), 10);
  const auto preambleBytes = static_cast<std::size_t>(stream.gcount());
  if (preambleBytes < 10 || std::memcmp(preamble, "\x93NUMPY", 6) != 0)
  {
    throw DatasetError(
      path, "not a NumPy .npy file (the file does not start with \\x93NUMPY)", SaveAgainFix);
  }
  NpyHeader header;
  header.MajorVersion = preamble[6];
  header.MinorVersion = preamble[7];
  std::uint64_t headerLength = 0;
  if (header.MajorVersion == 1)
  {
    headerLength = preamble[8] | (std::uint64_t(preamble[9]) << 8);
    header.DataOffset = 10 + headerLength;
  }
  else if (header.MajorVersion == 2 || header.MajorVersion == 3)
  {
    stream.read(reinterpret_cast<char*>(preamble + 10), 2);
    if (stream.gcount() < 2)
    {
      throw DatasetError(path,
                         "truncated .npy file (expected at least 12 bytes, found " +
                           std::to_string(fileSize) + ")",
                         SaveAgainFix);
    }
    headerLength = preamble[8] | (std::uint64_t(preamble[9]) << 8) |
                   (std::uint64_t(preamble[10]) << 16) | (std::uint64_t(preamble[11]) << 24);
    header.DataOffset = 12 + headerLength;
  }
  else
  {
    throw DatasetError(path,
                       "unsupported .npy format version " + std::to_string(header.MajorVersion) +
                         "." + std::to_string(header.MinorVersion) + " (known: 1.0, 2.0, 3.0)",
                       SaveAgainFix);
  }
  if (headerLength > MaximumHeaderBytes || header.DataOffset > fileSize)
  {
    throw DatasetError(path,
                       "truncated .npy file (header of " + std::to_string(headerLength) +
                         " bytes, file of " + std::to_string(fileSize) + " bytes)",
                       SaveAgainFix);
  }
  std::string text(static_cast<std::size_t>(headerLength), '\0');
  stream.read(text.data(), static_cast<std::streamsize>(headerLength));

  bool hasDescr = false;
  bool hasFortranOrder = false;
  bool hasShape = false;
  bool fortranOrder = false;
  for (const auto& [key, value] : NpyHeaderParser(text, path).parseDict())
  {
    if (key == "descr")
    {
      if (value.Type != PythonValue::Kind::String)
      {
        throw DatasetError(path,
                           "unsupported dtype: a structured array (record fields)",
                           "save a plain numeric array (uint8 or float32 images, integer labels)");
      }
      header.Descr = value.Text;
      hasDescr = true;
    }
    else if (key == "fortran_order" && value.Type == PythonValue::Kind::Boolean)
    {
      fortranOrder = value.Boolean;
      hasFortranOrder = true;
    }
    else if (key == "shape" && value.Type == PythonValue::Kind::IntegerTuple)
    {
      header.Shape = value.Integers;
      hasShape = true;
    }
  }
  if (!hasDescr || !hasFortranOrder || !hasShape)
  {
    throw DatasetError(path,
                       "malformed .npy header: it needs 'descr' (str), 'fortran_order' (bool) "
                       "and 'shape' (int tuple)",
                       SaveAgainFix);
  }
  parseDescr(header, path);
  if (fortranOrder)
  {
    throw DatasetError(path,
                       "fortran_order is True (column-major data), which is not supported",
                       "save numpy.ascontiguousarray(array)");
  }

  std::uint64_t payload = header.ItemSize;
  bool overflow = false;
  for (const std::uint64_t extent : header.Shape)
  {
    if (extent != 0 && payload > std::numeric_limits<std::uint64_t>::max() / extent)
    {
      overflow = true;
      break;
    }
    payload *= extent;
  }
  const std::uint64_t available = fileSize - header.DataOffset;
  if (overflow || payload > available)
  {
    throw DatasetError(
      path,
      "truncated .npy file (header says shape " + shapeText(header.Shape) + " '" + header.Descr +
        "', expected " +
        (overflow ? std::string("more than 2^64") : std::to_string(header.DataOffset + payload)) +
        " bytes, found " + std::to_string(fileSize) + ")",
      SaveAgainFix);
  }
  if (payload < available)
  {
    throw DatasetError(path,
                       ".npy file is longer than its header says (shape " +
                         shapeText(header.Shape) + " '" + header.Descr + "', expected " +
                         std::to_string(header.DataOffset + payload) + " bytes, found " +
                         std::to_string(fileSize) + ")",
                       "save one array per file with numpy.save");
  }
  if (payload > maximumBytes)
  {
    throw DatasetError(path,
                       ".npy data is " + std::to_string(payload) +
                         " bytes, more than the limit of " + std::to_string(maximumBytes),
                       "raise the maximum dataset size or save fewer samples");
  }
  return header;
}

NumpyImageLayout inferNumpyImageLayout(const std::vector<std::uint64_t>& shape)
{
  const auto isChannelCount = [](std::uint64_t extent) { return extent == 1 || extent == 3; };
  if (shape.size() == 4 && isChannelCount(shape[3]) && !isChannelCount(shape[1]))
  {
    return NumpyImageLayout::NHWC;
  }
  return NumpyImageLayout::NCHW;
}

std::vector<std::int64_t> loadNumpyLabels(const std::string& path, std::uint64_t maximumBytes)
{
  return decodeLabels(path, readLabelsHeader(path, maximumBytes));
}

Dataset loadNumpyDataset(const std::string& imagesPath,
                         const std::string& labelsPath,
                         NumpyImageLayout layout,
                         std::uint64_t maximumBytes)
{
  const NpyHeader images = readNpyHeader(imagesPath, maximumBytes);
  if (images.Kind != 'f' && !(images.Kind == 'u' && images.ItemSize == 1))
  {
    throw DatasetError(imagesPath,
                       "unsupported dtype '" + images.Descr + "' for images",
                       "save images as uint8, float32 or float64");
  }
  const std::vector<std::uint64_t>& shape = images.Shape;
  if (shape.size() != 3 && shape.size() != 4)
  {
    throw DatasetError(imagesPath,
                       "images array has shape " + shapeText(shape) +
                         ", expected N x H x W, N x C x H x W or N x H x W x C",
                       "reshape the array to one of these layouts");
  }
  // With a zero extent the payload is empty whatever the other extents claim, so they
  // were never checked against the file: 2^40 channels would size later allocations.
  if (std::find(shape.begin(), shape.end(), 0) != shape.end())
  {
    throw DatasetError(imagesPath,
                       "images array has shape " + shapeText(shape) +
                         ", which holds no pixels (a dimension is 0)",
                       "save at least one image of at least 1 x 1 pixels");
  }
  if (layout == NumpyImageLayout::Infer)
  {
    layout = inferNumpyImageLayout(shape);
  }
  const bool channelsLast = shape.size() == 4 && layout == NumpyImageLayout::NHWC;

  Dataset dataset;
  dataset.NumberOfSamples = static_cast<std::size_t>(shape[0]);
  if (shape.size() == 3)
  {
    dataset.Channels = 1;
    dataset.Height = static_cast<std::size_t>(shape[1]);
    dataset.Width = static_cast<std::size_t>(shape[2]);
  }
  else if (channelsLast)
  {
    dataset.Height = static_cast<std::size_t>(shape[1]);
    dataset.Width = static_cast<std::size_t>(shape[2]);
    dataset.Channels = static_cast<std::size_t>(shape[3]);
  }
  else
  {
    dataset.Channels = static_cast<std::size_t>(shape[1]);
    dataset.Height = static_cast<std::size_t>(shape[2]);
    dataset.Width = static_cast<std::size_t>(shape[3]);
  }

  NpyHeader labels;
  if (!labelsPath.empty())
  {
    labels = readLabelsHeader(labelsPath, maximumBytes);
    if (labels.Shape[0] != shape[0])
    {
      throw DatasetError(labelsPath,
                         "labels count " + std::to_string(labels.Shape[0]) +
                           " differs from the images count " + std::to_string(shape[0]) + " of " +
                           imagesPath,
                         "use the labels array that belongs to these images");
    }
  }

  const std::vector<unsigned char> bytes = readPayload(imagesPath, images);
  const std::size_t count = dataset.numberOfValues();
  // Visits (destination index in N x C x H x W, source element index in the file); for
  // channels-last data the source walks channel-interleaved pixels.
  const auto forEachElement = [&](auto&& copy)
  {
    if (!channelsLast)
    {
      for (std::size_t i = 0; i < count; ++i)
      {
        copy(i, i);
      }
      return;
    }
    const std::size_t channels = dataset.Channels;
    const std::size_t pixels = dataset.Height * dataset.Width;
    std::size_t destination = 0;
    for (std::size_t n = 0; n < dataset.NumberOfSamples; ++n)
    {
      const std::size_t sampleStart = n * channels * pixels;
      for (std::size_t c = 0; c < channels; ++c)
      {
        for (std::size_t p = 0; p < pixels; ++p)
        {
          copy(destination++, sampleStart + p * channels + c);
        }
      }
    }
  };
  if (images.Kind == 'u')
  {
    dataset.Type = PixelType::UInt8;
    dataset.UInt8Pixels.resize(count);
    forEachElement([&](std::size_t destination, std::size_t source)
                   { dataset.UInt8Pixels[destination] = bytes[source]; });
  }
  else
  {
    dataset.Type = PixelType::Float32;
    dataset.Float32Pixels.resize(count);
    const NpyElementDecoder decoder(images);
    forEachElement(
      [&](std::size_t destination, std::size_t source) {
        dataset.Float32Pixels[destination] =
          decoder.asFloat(bytes.data() + source * images.ItemSize);
      });
  }
  dataset.Source = "NumPy " + imagesPath + (channelsLast ? " (NHWC)" : "");
  if (!labelsPath.empty())
  {
    dataset.Labels = decodeLabels(labelsPath, labels);
    dataset.Source += " + " + labelsPath;
  }
  return dataset;
}

} // namespace cnnslicer
