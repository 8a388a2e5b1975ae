#include "nvrunc/mock/assets.hpp"

#include <cstring>

#include "nvrunc/discover/elf.hpp"

namespace nvrunc::mock {

namespace generated {
extern const unsigned char driver_library_data[];
extern const std::size_t driver_library_size;
extern const unsigned char stub_library_data[];
extern const std::size_t stub_library_size;
extern const unsigned char smi_binary_data[];
extern const std::size_t smi_binary_size;
} // namespace generated

namespace {

std::string_view bytes(const unsigned char* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The offset of the only occurrence of `marker` in `image`.
Result<size_t> find_once(std::string_view image, std::string_view marker, std::string_view what) {
  size_t at = image.find(marker);
  if (at == std::string_view::npos)
    return fail(Errc::internal, "patch " + std::string(what) + ": marker not found in the embedded file");
  if (image.find(marker, at + 1) != std::string_view::npos)
    return fail(Errc::internal, "patch " + std::string(what) + ": marker occurs more than once");
  return at;
}

} // namespace

std::string_view asset_bytes(Asset asset) {
  switch (asset) {
  case Asset::driver_library: return bytes(generated::driver_library_data, generated::driver_library_size);
  case Asset::stub_library: return bytes(generated::stub_library_data, generated::stub_library_size);
  case Asset::smi_binary: return bytes(generated::smi_binary_data, generated::smi_binary_size);
  }
  return {};
}

std::string_view soname_placeholder() { return NVRUNC_MOCK_SONAME_PLACEHOLDER; }
std::string_view description_marker() { return NVRUNC_MOCK_DESCRIPTION_MARKER; }
size_t description_capacity() { return NVRUNC_MOCK_DESCRIPTION_CAPACITY; }

Result<std::string> patch_soname(std::string_view image, std::string_view soname) {
  const auto placeholder = soname_placeholder();
  if (soname.empty() || soname.size() > placeholder.size() || soname.find('\0') != std::string_view::npos)
    return fail(Errc::invalid_argument, "patch soname `" + std::string(soname) + "`: must be 1 to " +
                                            std::to_string(placeholder.size()) + " characters");
  NVRUNC_TRY(at, find_once(image, placeholder, "soname"));
  std::string out(image);
  out.replace(at, placeholder.size(), std::string(soname) + std::string(placeholder.size() - soname.size(), '\0'));
  return out;
}

Result<std::string> patch_description(std::string_view image, std::string_view text) {
  if (text.size() + 1 > description_capacity())
    return fail(Errc::invalid_argument, "patch description: " + std::to_string(text.size()) +
                                            " bytes do not fit the library's " +
                                            std::to_string(description_capacity()) + "-byte array");
  if (text.find('\0') != std::string_view::npos)
    return fail(Errc::invalid_argument, "patch description: text holds a nul byte");
  NVRUNC_TRY(at, find_once(image, description_marker(), "description"));
  if (image.size() - at < description_capacity())
    return fail(Errc::internal, "patch description: array runs past the end of the file");
  std::string out(image);
  std::string padded(text);
  padded.resize(description_capacity(), '\0');
  out.replace(at, padded.size(), padded);
  return out;
}

Result<std::string> read_soname(std::string_view image) { return discover::read_soname_from_image(image); }

} // namespace nvrunc::mock
