// The registry on the real filesystem. Spec directories are host paths that nvrunc trusts (like its
// config file), so plain path lookups are fine here.
#include <filesystem>
#include <system_error>

#include "nvrunc/cdi/registry.hpp"
#include "nvrunc/os/file.hpp"

namespace nvrunc::cdi {

namespace {

// A spec directory of gigabytes is an attack, not a spec.
constexpr size_t max_spec_size = 32u << 20;

Result<std::vector<DirEntry>> list_dir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) {
    const bool missing = ec == std::errc::no_such_file_or_directory;
    return fail(missing ? Errc::not_found : Errc::io, "read directory `" + dir + "`", ec.value());
  }
  std::vector<DirEntry> out;
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    std::error_code type_ec;
    out.push_back({it->path().filename().string(), it->is_regular_file(type_ec)}); // follows links
  }
  if (ec) return fail(Errc::io, "read directory `" + dir + "`", ec.value());
  return out;
}

Result<std::string> read_spec_file(const std::string& path) { return os::read_file(path, max_spec_size); }

} // namespace

Result<Registry> load_registry(const std::vector<std::string>& dirs) {
  return load_registry(dirs, list_dir, read_spec_file);
}

} // namespace nvrunc::cdi
