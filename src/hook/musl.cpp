#include "nvrunc/hook/musl.hpp"

#include <algorithm>

namespace nvrunc::hook {

namespace {

// The entries of a musl path file: musl's loader splits on both ":" and "\n".
std::vector<std::string> path_entries(std::string_view text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    size_t j = text.find_first_of(":\n", i);
    if (j == std::string_view::npos) j = text.size();
    if (j > i) out.emplace_back(text.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

} // namespace

// musl's LDSO_ARCH for the targets nvrunc is built for.
std::string_view musl_arch() {
#if defined(__x86_64__)
  return "x86_64";
#elif defined(__aarch64__) && defined(__AARCH64EB__)
  return "aarch64_be";
#elif defined(__aarch64__)
  return "aarch64";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return "powerpc64le";
#elif defined(__riscv) && __riscv_xlen == 64
  return "riscv64";
#elif defined(__s390x__)
  return "s390x";
#else
  return "";
#endif
}

std::string musl_path_file(std::string_view arch) { return "/etc/ld-musl-" + std::string(arch) + ".path"; }

Result<bool> is_musl_image(const os::RootDir& root) { return root.exists(alpine_release); }

std::optional<std::string> merge_musl_path(const std::optional<std::string>& existing,
                                           const std::vector<std::string>& library_dirs) {
  std::string text = existing ? *existing : std::string(musl_default_path);
  auto listed = path_entries(text);
  bool changed = false; // a file that would only restate musl's defaults is not created
  for (const auto& dir : library_dirs) {
    if (std::find(listed.begin(), listed.end(), dir) != listed.end()) continue;
    if (!text.empty() && text.back() != '\n') text += '\n';
    text += dir + "\n";
    listed.push_back(dir);
    changed = true;
  }
  if (!changed) return std::nullopt;
  return text;
}

Result<void> write_musl_path(const os::RootDir& root, const std::vector<std::string>& library_dirs) {
  if (library_dirs.empty()) return {};
  if (musl_arch().empty())
    return fail(Errc::unsupported, "configure musl: no ld-musl-<arch>.path name known for this architecture");
  const std::string path = musl_path_file();
  std::optional<std::string> existing;
  auto current = root.read_file(path, max_musl_path_size);
  if (current) existing = std::move(*current);
  else if (current.error().code() != Errc::not_found) return fail(std::move(current.error()));
  auto merged = merge_musl_path(existing, library_dirs);
  if (!merged) return {};
  return root.write_file(path, *merged, 0644);
}

} // namespace nvrunc::hook
