// The one seam through which discovery reads the host (DESIGN.md §2 `discover`): every path is
// taken relative to a configurable root, so a simulated node (nvrunc-ctl mock-driver) or a driver
// container (/run/nvidia/driver) stands in for "/". Read-only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nvrunc/common/error.hpp"
#include "nvrunc/discover/observe.hpp"
#include "nvrunc/os/rooted.hpp"

namespace nvrunc::discover {

struct HostRoots {
  std::string driver_root = "/"; // libraries, binaries, ld.so.cache, firmware
  std::string dev_root = "/";    // device nodes: <dev_root>/dev/...
  std::string proc_root = "/proc";
  std::string sys_root = "/sys";
};

struct NodeInfo {
  char type = 'c';
  std::uint32_t major = 0, minor = 0;
  std::uint32_t mode = 0666; // permission bits only
  std::uint32_t uid = 0, gid = 0;
};

class HostFs {
public:
  explicit HostFs(HostRoots roots) : m_roots(std::move(roots)) {}
  virtual ~HostFs() = default;
  HostFs(const HostFs&) = delete;
  HostFs& operator=(const HostFs&) = delete;

  const HostRoots& roots() const { return m_roots; }

  // While set, every read below is also reported to `recorder` (observe.hpp) as facts a later
  // replay can check. Reads of a subclass that overrides one are its own business: only the real
  // host's HostFs is ever recorded (discover_cached).
  void record_into(Recorder* recorder) const { m_recorder = recorder; }
  // A read failed in a way a replay could not notice (an I/O error, not absence): what is being
  // recorded must not be saved.
  void unreliable() const {
    if (m_recorder) m_recorder->spoil();
  }

  // <proc_root>/<rel>. Errc::not_found when absent.
  virtual Result<std::string> read_proc(std::string_view rel) const;
  // Entry names of the directory <proc_root>/<rel>, sorted; empty when it does not exist.
  virtual std::vector<std::string> list_proc(std::string_view rel) const;
  // stat of <dev_root><dev_path> ("/dev/nvidia0"): nullopt when absent; an error when it exists
  // but is not a character or block device.
  virtual Result<std::optional<NodeInfo>> stat_node(std::string_view dev_path) const;
  // The entry names of <dev_root><dev_dir> ("/dev/infiniband") that start with one of `prefixes`
  // (all of them if there are none), sorted; empty when absent. Only those names are recorded: an
  // unrelated device appearing there does not invalidate a snapshot.
  virtual std::vector<std::string> list_dev(std::string_view dev_dir, const std::vector<std::string>& prefixes) const;
  // Entry names of <sys_root>/<rel>, sorted; empty when absent.
  virtual std::vector<std::string> list_sys(std::string_view rel) const;

  // A file inside the driver root, read whole (bounded).
  Result<std::string> read_driver_file(std::string_view path, size_t limit) const;
  // Resolves `path` inside the driver root, following symlinks without leaving it; returns the
  // real path as seen inside the root ("/usr/lib/x86_64-linux-gnu/libcuda.so.550.54.15").
  Result<std::string> resolve_driver_path(std::string_view path) const;
  // The host path of a path inside the driver root.
  std::string driver_host_path(std::string_view path) const;
  // Whether `path` (inside the driver root, already resolved) is an executable regular file.
  bool is_executable(std::string_view path) const;
  // Entry names of a directory inside the driver root, sorted; empty when absent.
  std::vector<std::string> list_driver_dir(std::string_view path) const;

private:
  Result<const os::RootDir*> driver_dir() const;
  Result<std::string> resolve_in_root(std::string_view path) const;
  void record_lookup(std::string_view path) const;
  std::vector<std::string> recorded_listing(const std::string& host_path, const std::vector<std::string>& prefixes = {}) const;
  HostRoots m_roots;
  mutable std::optional<os::RootDir> m_driver_dir;
  mutable Recorder* m_recorder = nullptr;
};

} // namespace nvrunc::discover
