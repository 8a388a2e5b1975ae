// A minimal ELF32 i386 shared object (elf32.hpp). One PT_LOAD maps the whole file at address 0, so
// every address below equals its file offset.
//
//   ELF header | 3 program headers | .note.ABI-tag | .hash | .dynsym | .dynstr | .dynamic |
//   .shstrtab | 7 section headers
#include "nvrunc/mock/elf32.hpp"

#include <elf.h>

#include <cstring>
#include <vector>

namespace nvrunc::mock {

namespace {

constexpr size_t align4(size_t n) { return (n + 3) & ~size_t(3); }

template <class T>
void put(std::string& out, size_t offset, const T& value) {
  std::memcpy(out.data() + offset, &value, sizeof value);
}

// Offsets of the parts, computed once from the SONAME.
struct Layout {
  size_t phdrs = sizeof(Elf32_Ehdr);
  size_t note = sizeof(Elf32_Ehdr) + 3 * sizeof(Elf32_Phdr);
  size_t hash = note + 32;
  size_t dynsym = hash + 16;
  size_t dynstr = dynsym + sizeof(Elf32_Sym);
  size_t dynstr_size = 0;
  size_t dynamic = 0, dynamic_size = 8 * sizeof(Elf32_Dyn);
  size_t shstrtab = 0, shstrtab_size = 0;
  size_t shdrs = 0, total = 0;
};

constexpr char libc[] = "libc.so.6";
constexpr char section_names[] = "\0.note.ABI-tag\0.hash\0.dynsym\0.dynstr\0.dynamic\0.shstrtab";
// Offsets of each name in section_names.
constexpr Elf32_Word name_note = 1, name_hash = 15, name_dynsym = 21, name_dynstr = 29, name_dynamic = 37,
                     name_shstrtab = 46;

Layout layout_for(std::string_view soname) {
  Layout l;
  l.dynstr_size = 1 + sizeof libc + soname.size() + 1;
  l.dynamic = align4(l.dynstr + l.dynstr_size);
  l.shstrtab = l.dynamic + l.dynamic_size;
  l.shstrtab_size = sizeof section_names;
  l.shdrs = align4(l.shstrtab + l.shstrtab_size);
  l.total = l.shdrs + 7 * sizeof(Elf32_Shdr);
  return l;
}

void write_headers(std::string& out, const Layout& l) {
  Elf32_Ehdr eh{};
  std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS32;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_ident[EI_VERSION] = EV_CURRENT;
  eh.e_ident[EI_OSABI] = ELFOSABI_SYSV;
  eh.e_type = ET_DYN;
  eh.e_machine = EM_386;
  eh.e_version = EV_CURRENT;
  eh.e_phoff = Elf32_Off(l.phdrs);
  eh.e_shoff = Elf32_Off(l.shdrs);
  eh.e_ehsize = sizeof(Elf32_Ehdr);
  eh.e_phentsize = sizeof(Elf32_Phdr);
  eh.e_phnum = 3;
  eh.e_shentsize = sizeof(Elf32_Shdr);
  eh.e_shnum = 7;
  eh.e_shstrndx = 6;
  put(out, 0, eh);
  const Elf32_Word load_size = Elf32_Word(l.dynamic + l.dynamic_size);
  const Elf32_Phdr phdrs[] = {
      {PT_LOAD, 0, 0, 0, load_size, load_size, PF_R | PF_W, 0x1000},
      {PT_DYNAMIC, Elf32_Off(l.dynamic), Elf32_Addr(l.dynamic), Elf32_Addr(l.dynamic), Elf32_Word(l.dynamic_size),
       Elf32_Word(l.dynamic_size), PF_R | PF_W, 4},
      {PT_NOTE, Elf32_Off(l.note), Elf32_Addr(l.note), Elf32_Addr(l.note), 32, 32, PF_R, 4},
  };
  put(out, l.phdrs, phdrs);
}

void write_contents(std::string& out, const Layout& l, std::string_view soname) {
  // NT_GNU_ABI_TAG: Linux, kernel ABI 2.3.99.
  const Elf32_Word note[] = {4, 16, NT_GNU_ABI_TAG, 0x00554e47 /* "GNU\0" */, 0, 2, 3, 99};
  put(out, l.note, note);
  const Elf32_Word hash[] = {1, 1, 0, 0}; // one bucket, one chain: only the null symbol
  put(out, l.hash, hash);
  // .dynsym holds the null symbol only (zero bytes already). .dynstr: "\0libc.so.6\0<soname>\0".
  std::memcpy(out.data() + l.dynstr + 1, libc, sizeof libc);
  const size_t soname_at = 1 + sizeof libc;
  std::memcpy(out.data() + l.dynstr + soname_at, soname.data(), soname.size());
  const Elf32_Dyn dynamic[] = {
      {DT_NEEDED, {1}},
      {DT_SONAME, {Elf32_Word(soname_at)}},
      {DT_HASH, {Elf32_Word(l.hash)}},
      {DT_STRTAB, {Elf32_Word(l.dynstr)}},
      {DT_SYMTAB, {Elf32_Word(l.dynsym)}},
      {DT_STRSZ, {Elf32_Word(l.dynstr_size)}},
      {DT_SYMENT, {sizeof(Elf32_Sym)}},
      {DT_NULL, {0}},
  };
  put(out, l.dynamic, dynamic);
  std::memcpy(out.data() + l.shstrtab, section_names, sizeof section_names);
}

Elf32_Shdr section(Elf32_Word name, Elf32_Word type, Elf32_Word flags, size_t offset, size_t size, Elf32_Word link,
                   Elf32_Word info, Elf32_Word align, Elf32_Word entsize) {
  const bool alloc = (flags & SHF_ALLOC) != 0;
  return {name, type, flags, alloc ? Elf32_Addr(offset) : 0, Elf32_Off(offset), Elf32_Word(size), link, info, align,
          entsize};
}

void write_sections(std::string& out, const Layout& l) {
  const Elf32_Shdr sections[] = {
      {},
      section(name_note, SHT_NOTE, SHF_ALLOC, l.note, 32, 0, 0, 4, 0),
      section(name_hash, SHT_HASH, SHF_ALLOC, l.hash, 16, 3, 0, 4, 4),
      section(name_dynsym, SHT_DYNSYM, SHF_ALLOC, l.dynsym, sizeof(Elf32_Sym), 4, 1, 4, sizeof(Elf32_Sym)),
      section(name_dynstr, SHT_STRTAB, SHF_ALLOC, l.dynstr, l.dynstr_size, 0, 0, 1, 0),
      section(name_dynamic, SHT_DYNAMIC, SHF_ALLOC | SHF_WRITE, l.dynamic, l.dynamic_size, 4, 0, 4, sizeof(Elf32_Dyn)),
      section(name_shstrtab, SHT_STRTAB, 0, l.shstrtab, l.shstrtab_size, 0, 0, 1, 0),
  };
  put(out, l.shdrs, sections);
}

} // namespace

std::string make_elf32_library(std::string_view soname) {
  const Layout l = layout_for(soname);
  std::string out(l.total, '\0');
  write_headers(out, l);
  write_contents(out, l, soname);
  write_sections(out, l);
  return out;
}

} // namespace nvrunc::mock
