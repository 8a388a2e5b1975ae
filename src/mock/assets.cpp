#include "nvrunc/mock/assets.hpp"

#include <elf.h>

#include <cstring>

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

// Reads a T at `offset`, failing when it is outside the image.
template <class T>
Result<T> read_at(std::string_view image, uint64_t offset) {
  if (offset > image.size() || image.size() - offset < sizeof(T))
    return fail(Errc::invalid_argument, "read elf: truncated file");
  T value;
  std::memcpy(&value, image.data() + offset, sizeof(T));
  return value;
}

Result<Elf64_Shdr> section_header(std::string_view image, const Elf64_Ehdr& eh, unsigned index) {
  if (index >= eh.e_shnum) return fail(Errc::invalid_argument, "read elf: bad section index");
  return read_at<Elf64_Shdr>(image, eh.e_shoff + uint64_t(index) * eh.e_shentsize);
}

Result<std::string> string_at(std::string_view image, const Elf64_Shdr& strtab, uint64_t offset) {
  if (offset >= strtab.sh_size || strtab.sh_offset > image.size() || image.size() - strtab.sh_offset < strtab.sh_size)
    return fail(Errc::invalid_argument, "read elf: string outside its table");
  auto table = image.substr(strtab.sh_offset, strtab.sh_size);
  auto end = table.find('\0', offset);
  if (end == std::string_view::npos) return fail(Errc::invalid_argument, "read elf: unterminated string");
  return std::string(table.substr(offset, end - offset));
}

Result<Elf64_Ehdr> elf_header(std::string_view image) {
  NVRUNC_TRY(eh, read_at<Elf64_Ehdr>(image, 0));
  if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
      eh.e_ident[EI_DATA] != ELFDATA2LSB)
    return fail(Errc::invalid_argument, "read elf: not a 64-bit little-endian elf file");
  if (eh.e_shentsize != sizeof(Elf64_Shdr)) return fail(Errc::invalid_argument, "read elf: odd section header size");
  return eh;
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

// The dynamic section (SHT_DYNAMIC) links to its string table; DT_SONAME is an offset into it.
Result<std::string> read_soname(std::string_view image) {
  NVRUNC_TRY(eh, elf_header(image));
  for (unsigned i = 0; i < eh.e_shnum; ++i) {
    NVRUNC_TRY(sh, section_header(image, eh, i));
    if (sh.sh_type != SHT_DYNAMIC) continue;
    NVRUNC_TRY(strtab, section_header(image, eh, sh.sh_link));
    for (uint64_t off = 0; off + sizeof(Elf64_Dyn) <= sh.sh_size; off += sizeof(Elf64_Dyn)) {
      NVRUNC_TRY(dyn, read_at<Elf64_Dyn>(image, sh.sh_offset + off));
      if (dyn.d_tag == DT_NULL) break;
      if (dyn.d_tag == DT_SONAME) return string_at(image, strtab, dyn.d_un.d_val);
    }
    return std::string();
  }
  return std::string();
}

} // namespace nvrunc::mock
