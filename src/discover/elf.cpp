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

struct Reader {
  int fd;
  const std::string& path;

  template <class T>
  Result<void> read(T* out, size_t count, uint64_t offset) const {
    const size_t bytes = sizeof(T) * count;
    ssize_t n = ::pread(fd, out, bytes, static_cast<off_t>(offset));
    if (n < 0 || static_cast<size_t>(n) != bytes)
      return fail(Errc::invalid_argument, "read ELF `" + path + "`: truncated");
    return {};
  }
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
Result<std::string> soname_of(const Reader& r) {
  Ehdr eh;
  if (auto ok = r.read(&eh, 1, 0); !ok) return fail(std::move(ok.error()));
  if (eh.e_phnum == 0 || eh.e_phnum > max_program_headers || eh.e_phentsize != sizeof(Phdr))
    return fail(Errc::invalid_argument, "read ELF `" + r.path + "`: bad program headers");
  std::vector<Phdr> phdrs(eh.e_phnum);
  if (auto ok = r.read(phdrs.data(), phdrs.size(), eh.e_phoff); !ok) return fail(std::move(ok.error()));
  const Phdr* dyn = nullptr;
  for (const auto& p : phdrs)
    if (p.p_type == PT_DYNAMIC) dyn = &p;
  if (!dyn) return std::string();
  const size_t count = std::min<size_t>(dyn->p_filesz / sizeof(Dyn), max_dynamic_entries);
  std::vector<Dyn> entries(count);
  if (auto ok = r.read(entries.data(), count, dyn->p_offset); !ok) return fail(std::move(ok.error()));
  uint64_t strtab = 0, soname = 0;
  bool has_soname = false;
  for (const auto& d : entries) {
    if (d.d_tag == DT_NULL) break;
    if (d.d_tag == DT_STRTAB) strtab = d.d_un.d_ptr;
    if (d.d_tag == DT_SONAME) soname = d.d_un.d_val, has_soname = true;
  }
  if (!has_soname) return std::string();
  auto base = to_offset(phdrs, strtab);
  if (!base) return fail(Errc::invalid_argument, "read ELF `" + r.path + "`: string table outside the file");
  char buf[256];
  ssize_t n = ::pread(r.fd, buf, sizeof buf, static_cast<off_t>(*base + soname));
  if (n <= 0) return fail(Errc::invalid_argument, "read ELF `" + r.path + "`: truncated");
  std::string name(buf, static_cast<size_t>(n));
  auto nul = name.find('\0');
  if (nul == std::string::npos) return fail(Errc::invalid_argument, "read ELF `" + r.path + "`: SONAME too long");
  name.resize(nul);
  return name;
}

} // namespace

Result<std::string> read_soname(const std::string& host_path) {
  os::UniqueFd fd(::open(host_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return fail_errno("open `" + host_path + "`");
  unsigned char ident[EI_NIDENT];
  if (::pread(fd.get(), ident, sizeof ident, 0) != EI_NIDENT || ident[EI_MAG0] != ELFMAG0 || ident[EI_MAG1] != ELFMAG1 ||
      ident[EI_MAG2] != ELFMAG2 || ident[EI_MAG3] != ELFMAG3 || ident[EI_DATA] != ELFDATA2LSB)
    return fail(Errc::invalid_argument, "read ELF `" + host_path + "`: not a little-endian ELF file");
  Reader r{fd.get(), host_path};
  if (ident[EI_CLASS] == ELFCLASS64) return soname_of<Elf64_Ehdr, Elf64_Phdr, Elf64_Dyn>(r);
  if (ident[EI_CLASS] == ELFCLASS32) return soname_of<Elf32_Ehdr, Elf32_Phdr, Elf32_Dyn>(r);
  return fail(Errc::invalid_argument, "read ELF `" + host_path + "`: unknown ELF class");
}

bool is_elf_file(const std::string& host_path) {
  os::UniqueFd fd(::open(host_path.c_str(), O_RDONLY | O_CLOEXEC));
  unsigned char magic[SELFMAG];
  return fd.valid() && ::pread(fd.get(), magic, SELFMAG, 0) == SELFMAG && std::memcmp(magic, ELFMAG, SELFMAG) == 0;
}

} // namespace nvrunc::discover
