#include "nvrunc/discover/elf.hpp"

#include <elf.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <vector>

#include "nvrunc/os/unique_fd.hpp"

namespace nvrunc::discover {

namespace {

constexpr size_t max_program_headers = 256;
constexpr size_t max_dynamic_entries = 4096;
constexpr size_t max_soname = 256;

// Where the ELF bytes come from: a file read with pread (a 90 MB libcuda is never read whole), or
// an image in memory. read_some returns how many bytes it copied.
class Source {
public:
  explicit Source(std::string name) : m_name(std::move(name)) {}
  virtual ~Source() = default;
  virtual size_t read_some(void* out, size_t bytes, uint64_t offset) const = 0;
  const std::string& name() const { return m_name; }

  template <class T>
  Result<void> read(T* out, size_t count, uint64_t offset) const {
    if (read_some(out, sizeof(T) * count, offset) != sizeof(T) * count)
      return fail(Errc::invalid_argument, "read ELF `" + m_name + "`: truncated");
    return {};
  }

private:
  std::string m_name;
};

class FileSource final : public Source {
public:
  FileSource(int fd, const std::string& path) : Source(path), m_fd(fd) {}
  size_t read_some(void* out, size_t bytes, uint64_t offset) const override {
    ssize_t n = ::pread(m_fd, out, bytes, static_cast<off_t>(offset));
    return n < 0 ? 0 : static_cast<size_t>(n);
  }

private:
  int m_fd;
};

class ImageSource final : public Source {
public:
  explicit ImageSource(std::string_view image) : Source("image"), m_image(image) {}
  size_t read_some(void* out, size_t bytes, uint64_t offset) const override {
    if (offset >= m_image.size()) return 0;
    size_t n = std::min<size_t>(bytes, m_image.size() - offset);
    std::memcpy(out, m_image.data() + offset, n);
    return n;
  }

private:
  std::string_view m_image;
};

// Maps a virtual address to a file offset through the PT_LOAD segments.
template <class Phdr>
std::optional<uint64_t> to_offset(const std::vector<Phdr>& phdrs, uint64_t vaddr) {
  for (const auto& p : phdrs)
    if (p.p_type == PT_LOAD && vaddr >= p.p_vaddr && vaddr < p.p_vaddr + p.p_filesz)
      return vaddr - p.p_vaddr + p.p_offset;
  return std::nullopt;
}

template <class Ehdr, class Phdr, class Dyn>
Result<std::string> soname_of(const Source& src) {
  Ehdr eh;
  if (auto ok = src.read(&eh, 1, 0); !ok) return fail(std::move(ok.error()));
  if (eh.e_phnum == 0 || eh.e_phnum > max_program_headers || eh.e_phentsize != sizeof(Phdr))
    return fail(Errc::invalid_argument, "read ELF `" + src.name() + "`: bad program headers");
  std::vector<Phdr> phdrs(eh.e_phnum);
  if (auto ok = src.read(phdrs.data(), phdrs.size(), eh.e_phoff); !ok) return fail(std::move(ok.error()));
  const auto dyn = std::find_if(phdrs.begin(), phdrs.end(), [](const Phdr& p) { return p.p_type == PT_DYNAMIC; });
  if (dyn == phdrs.end()) return std::string();
  std::vector<Dyn> entries(std::min<size_t>(dyn->p_filesz / sizeof(Dyn), max_dynamic_entries));
  if (auto ok = src.read(entries.data(), entries.size(), dyn->p_offset); !ok) return fail(std::move(ok.error()));
  uint64_t strtab = 0, soname = 0;
  bool has_soname = false;
  for (const auto& d : entries) {
    if (d.d_tag == DT_NULL) break;
    if (d.d_tag == DT_STRTAB) strtab = d.d_un.d_ptr;
    if (d.d_tag == DT_SONAME) soname = d.d_un.d_val, has_soname = true;
  }
  if (!has_soname) return std::string();
  auto base = to_offset(phdrs, strtab);
  if (!base) return fail(Errc::invalid_argument, "read ELF `" + src.name() + "`: string table outside the file");
  char buf[max_soname];
  size_t n = src.read_some(buf, sizeof buf, *base + soname);
  const char* nul = static_cast<const char*>(std::memchr(buf, '\0', n));
  if (!nul) return fail(Errc::invalid_argument, "read ELF `" + src.name() + "`: bad SONAME");
  return std::string(buf, static_cast<size_t>(nul - buf));
}

Result<std::string> soname_from(const Source& src) {
  unsigned char ident[EI_NIDENT];
  if (src.read_some(ident, sizeof ident, 0) != EI_NIDENT || std::memcmp(ident, ELFMAG, SELFMAG) != 0 ||
      ident[EI_DATA] != ELFDATA2LSB)
    return fail(Errc::invalid_argument, "read ELF `" + src.name() + "`: not a little-endian ELF file");
  if (ident[EI_CLASS] == ELFCLASS64) return soname_of<Elf64_Ehdr, Elf64_Phdr, Elf64_Dyn>(src);
  if (ident[EI_CLASS] == ELFCLASS32) return soname_of<Elf32_Ehdr, Elf32_Phdr, Elf32_Dyn>(src);
  return fail(Errc::invalid_argument, "read ELF `" + src.name() + "`: unknown ELF class");
}

} // namespace

Result<std::string> read_soname(const std::string& host_path) {
  os::UniqueFd fd(::open(host_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return fail_errno("open `" + host_path + "`");
  return soname_from(FileSource(fd.get(), host_path));
}

Result<std::string> read_soname_from_image(std::string_view image) { return soname_from(ImageSource(image)); }

bool is_elf_file(const std::string& host_path) {
  os::UniqueFd fd(::open(host_path.c_str(), O_RDONLY | O_CLOEXEC));
  unsigned char magic[SELFMAG];
  return fd.valid() && ::pread(fd.get(), magic, SELFMAG, 0) == SELFMAG && std::memcmp(magic, ELFMAG, SELFMAG) == 0;
}

} // namespace nvrunc::discover
