#include <cstdlib>

#include "nvrunc/config/config.hpp"
#include "nvrunc/os/file.hpp"

namespace nvrunc::config {

namespace {
constexpr const char* search_path[] = {"/etc/nvrunc/config.toml", "/etc/nvidia-container-runtime/config.toml"};
}

std::string locate() {
  if (const char* env = std::getenv("NVRUNC_CONFIG"); env && *env) return env;
  for (const char* path : search_path)
    if (os::path_exists(path)) return path;
  return "";
}

Result<Config> load() {
  const std::string path = locate();
  if (path.empty()) return Config{};
  auto text = os::read_file(path, 1u << 20);
  if (!text) {
    // NVRUNC_CONFIG names a file on purpose: its absence is an error, not a reason to use defaults.
    return fail(Errc::bad_config, text.error().what() + (text.error().code() == Errc::not_found
                                                             ? " (named by NVRUNC_CONFIG)"
                                                             : ""));
  }
  return parse(*text, path);
}

} // namespace nvrunc::config
