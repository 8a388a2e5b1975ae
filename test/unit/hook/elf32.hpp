// A minimal i386 shared object, written byte by byte: no multilib compiler is needed to test the
// 32-bit library path. What it holds is what a loader and ldconfig look at: an ELF32 (EM_386,
// ET_DYN) header, one PT_LOAD mapping the whole file at address 0, a PT_DYNAMIC, and a dynamic
// section with DT_NEEDED libc.so.6 (ldconfig classifies i386 objects as libc6 by it), DT_SONAME,
// DT_HASH, DT_SYMTAB (the null symbol only), DT_STRTAB, DT_STRSZ and DT_SYMENT. No sections: they
// are optional for loading, and ldconfig reads segments only.
#pragma once

#include <elf.h>

#include <cstring>
#include <string>
#include <string_view>

namespace nvrunc::test {

namespace elf32_detail {

template <class T>
void put(std::string& out, size_t offset, const T& value) {
  if (out.size() < offset + sizeof value) out.resize(offset + sizeof value, '\0');
  std::memcpy(out.data() + offset, &value, sizeof value);
}

inline size_t align4(size_t n) { return (n + 3) & ~size_t{3}; }

} // namespace elf32_detail

// The bytes of an i386 shared object whose DT_SONAME is `soname` (x86 is little-endian, as is the
// host this test runs on: the structures are copied in host byte order).
inline std::string elf32_shared_object(std::string_view soname) {
  using namespace elf32_detail;
  const size_t phoff = sizeof(Elf32_Ehdr);
  const size_t hash_off = phoff + 2 * sizeof(Elf32_Phdr);
  const size_t sym_off = hash_off + 4 * sizeof(Elf32_Word); // nbucket, nchain, bucket[1], chain[1]
  const size_t str_off = sym_off + sizeof(Elf32_Sym);
  const std::string strtab = std::string("\0libc.so.6\0", 11) + std::string(soname) + '\0';
  const Elf32_Word needed_name = 1, soname_name = 11;
  const size_t dyn_off = align4(str_off + strtab.size());
  const Elf32_Dyn dynamic[] = {
      {DT_NEEDED, {needed_name}}, {DT_SONAME, {soname_name}},
      {DT_HASH, {static_cast<Elf32_Word>(hash_off)}}, {DT_SYMTAB, {static_cast<Elf32_Word>(sym_off)}},
      {DT_STRTAB, {static_cast<Elf32_Word>(str_off)}}, {DT_STRSZ, {static_cast<Elf32_Word>(strtab.size())}},
      {DT_SYMENT, {sizeof(Elf32_Sym)}}, {DT_NULL, {0}}};
  const size_t size = dyn_off + sizeof dynamic;

  std::string out(size, '\0');
  Elf32_Ehdr eh = {};
  std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS32;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_ident[EI_VERSION] = EV_CURRENT;
  eh.e_ident[EI_OSABI] = ELFOSABI_SYSV;
  eh.e_type = ET_DYN;
  eh.e_machine = EM_386;
  eh.e_version = EV_CURRENT;
  eh.e_phoff = phoff;
  eh.e_ehsize = sizeof(Elf32_Ehdr);
  eh.e_phentsize = sizeof(Elf32_Phdr);
  eh.e_phnum = 2;
  eh.e_shentsize = sizeof(Elf32_Shdr);
  put(out, 0, eh);

  Elf32_Phdr load = {};
  load.p_type = PT_LOAD;
  load.p_filesz = load.p_memsz = static_cast<Elf32_Word>(size);
  load.p_flags = PF_R | PF_W;
  load.p_align = 0x1000;
  put(out, phoff, load);
  Elf32_Phdr dyn = {};
  dyn.p_type = PT_DYNAMIC;
  dyn.p_offset = dyn.p_vaddr = dyn.p_paddr = static_cast<Elf32_Word>(dyn_off);
  dyn.p_filesz = dyn.p_memsz = sizeof dynamic;
  dyn.p_flags = PF_R | PF_W;
  dyn.p_align = 4;
  put(out, phoff + sizeof(Elf32_Phdr), dyn);

  const Elf32_Word hash[] = {1, 1, 0, 0}; // one bucket, one chain entry: symbol 0 (STN_UNDEF) only
  put(out, hash_off, hash);
  put(out, sym_off, Elf32_Sym{}); // the null symbol
  out.replace(str_off, strtab.size(), strtab);
  put(out, dyn_off, dynamic);
  return out;
}

} // namespace nvrunc::test
