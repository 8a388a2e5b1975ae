#include <cstdlib>

#include "nvrunc/common/strings.hpp"
#include "nvrunc/os/exec.hpp"
#include "nvrunc/os/file.hpp"
#include "nvrunc/runtime/shim.hpp"

namespace nvrunc::runtime {

namespace {
// Where runc lives on every distribution, searched after $PATH (containerd and conmon may run us
// with a minimal PATH).
constexpr const char* system_path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
} // namespace

Result<std::string> find_low_level_runtime(const std::vector<std::string>& candidates) {
  const auto self = os::self_identity();
  const char* env_path = std::getenv("PATH");
  const std::string search = (env_path && *env_path ? std::string(env_path) + ":" : std::string()) + system_path;
  std::vector<std::string> skipped;
  for (const auto& name : candidates) {
    os::FileId id;
    std::string path = os::find_executable(name, search, &id); // a name with a `/` is taken as it is
    if (path.empty()) continue;
    if (self && id == *self) {
      skipped.push_back(path);
      continue; // a `runc` that is really nvrunc would exec itself forever
    }
    return path;
  }
  std::string msg = "find low-level runtime: none of [" + join(candidates, ", ") + "] found";
  if (!skipped.empty()) msg += " (skipped " + join(skipped, ", ") + ": that is nvrunc itself)";
  return fail(Errc::not_found, msg + "; install runc or set `runtimes` in the nvrunc config");
}

namespace {
// `name` next to the running binary when it is there, else /usr/bin/`name`.
std::string beside_self(const std::string& name) {
  const std::string self = os::self_executable();
  if (auto slash = self.rfind('/'); slash != std::string::npos) {
    std::string beside = self.substr(0, slash) + "/" + name;
    if (os::is_executable_file(beside)) return beside;
  }
  return "/usr/bin/" + name;
}
} // namespace

std::string hook_path(const config::Config& config) {
  return config.hook_path.empty() ? beside_self("nvrunc-hook") : config.hook_path;
}

std::string ctl_path(const config::Config& config) {
  return config.ctl_path.empty() ? beside_self("nvrunc-ctl") : config.ctl_path;
}

} // namespace nvrunc::runtime
