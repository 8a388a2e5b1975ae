// Container engines (containerd, CRI-O, Docker) and the `nvidia` runtime handler nvrunc-ctl writes
// into their configuration (DESIGN.md §6, research notes E.2-E.5).
//
// The module is pure text -> text: each engine's `configure_*` takes the files as they are (text,
// or absent) and returns the files as they should be, with notes for the operator; `inspect_*`
// reads back what an engine will see. files.hpp reads and writes the disk, command.hpp runs the
// engine's own tools; nothing else here touches the system.
//
// Promises shared by every engine:
// - idempotent: configuring an already configured file returns it byte for byte;
// - lossless where the format allows: TOML files are edited in place, only where something must
//   change, so comments and layout survive (toml_doc.hpp in src/engine explains how); a JSON file
//   keeps its key order, values and indentation;
// - a file that does not parse is refused, with its name, line and column, and nothing is written;
// - a configuration the engine would ignore (containerd with the CRI plugin disabled) is an error,
//   never a silent no-op.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nvrunc/common/error.hpp"

namespace nvrunc::engine {

enum class Engine { containerd, crio, docker };

std::string_view engine_name(Engine e);
// "containerd", "crio" (or "cri-o"), "docker"; Errc::invalid_argument otherwise.
Result<Engine> parse_engine(std::string_view name);

struct ConfigureOptions {
  std::string name = "nvidia"; // the runtime handler (RuntimeClass `handler`)
  std::string binary;          // absolute path of nvrunc
  bool set_as_default = false; // route every container through the handler
  bool enable_cdi = false;     // let the engine inject CDI devices itself
  std::vector<std::string> cdi_spec_dirs{"/etc/cdi", "/var/run/cdi"};
};

// Checks what every engine needs: a handler name that is a DNS-1123 label (RuntimeClass rule) and an
// absolute binary path.
Result<void> validate(const ConfigureOptions& options);

// A configuration file as it is on disk.
struct SourceFile {
  std::string path;
  std::optional<std::string> text; // nullopt: the file does not exist
};

// A file as configure wants it.
struct FileUpdate {
  std::string path;
  std::optional<std::string> before; // nullopt: the file is created
  std::string after;
  bool rewritten = false; // written out whole (comments and layout of `before` lost)
  std::string backup_path; // where the original is kept before the first change ("" = nowhere)
  std::string mode_from;   // a new file takes the mode and owner of this one ("" = 0644, root)
  bool changed() const { return !before || *before != after; }
};

struct Outcome {
  std::vector<FileUpdate> files; // every file involved, changed or not, in write order
  std::vector<std::string> notes; // what the operator should know (copied options, restarts...)
  bool changed() const;
};

// What an engine's configuration says about a handler (for verification and `nvrunc-ctl doctor`).
struct HandlerStatus {
  bool present = false;
  std::string binary;             // containerd options.BinaryName, CRI-O runtime_path, Docker path
  std::string runtime_type;       // containerd/CRI-O runtime_type
  std::string default_runtime;    // the engine's default handler name
  bool is_default = false;
  std::optional<bool> systemd_cgroup;      // containerd: the handler's options.SystemdCgroup
  std::optional<bool> runc_systemd_cgroup; // containerd: the runc handler's, to compare
  bool cri_disabled = false;      // containerd: the CRI plugin is in disabled_plugins
  std::optional<bool> cdi_enabled;
  int config_version = 0;           // containerd: the version the configuration is read as
  std::vector<std::string> sources; // the files read, in merge order
};

// Fails (Errc::not_found / Errc::bad_config) unless `status` shows the handler as `options` asked:
// present, pointing at the binary, default when asked. `where` names what was read.
Result<void> check_handler(const HandlerStatus& status, const ConfigureOptions& options, std::string_view where);

} // namespace nvrunc::engine
