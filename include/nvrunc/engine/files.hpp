// The engine module's effects on files: reading configurations (a missing file is not an error),
// expanding containerd's imports, and writing an Outcome safely.
//
// Writing: only files whose content changes are written, each atomically (os::write_file_atomic:
// temporary file, fsync, rename), keeping the mode and owner of the file it replaces (a containerd
// config can hold registry credentials; a new drop-in takes the mode of its main file). Before the
// first change to an existing file its original is kept as FileUpdate::backup_path (never replaced
// later, so it stays the pre-nvrunc original). Missing parent directories are created.
// A Journal remembers what was written, so that a failed verification can put everything back.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "nvrunc/engine/containerd.hpp"
#include "nvrunc/engine/crio.hpp"
#include "nvrunc/engine/engine.hpp"

namespace nvrunc::engine {

// Errc::io when the file exists but cannot be read.
Result<SourceFile> read_source(const std::string& path);

// The main file, what it imports (globs expanded relative to its directory and sorted, like
// containerd), and the drop-in ("" = none), which is left out of other_imports.
Result<ContainerdFiles> load_containerd(const std::string& main_path, const std::string& drop_in_path);

// crio.conf, our drop-in and the other files of its directory (lexical order).
Result<CrioFiles> load_crio(const std::string& main_path, const std::string& drop_in_path);

struct Journal {
  struct Entry {
    std::string path;
    std::optional<std::string> before; // nullopt: the file did not exist
  };
  std::vector<Entry> written;
  std::vector<std::string> messages; // "wrote X (backup: Y)", "X: unchanged"
};

// Where each engine keeps its configuration by default (nvidia-ctk's defaults; the containerd drop-in
// directory is conf.d, the one containerd's own packaging imports, not config.d: toolkit #1404).
struct EnginePaths {
  std::string config;  // containerd config.toml, crio.conf, daemon.json
  std::string drop_in; // containerd: "" (none unless asked); CRI-O: our drop-in
};
EnginePaths default_paths(Engine e);
inline constexpr std::string_view containerd_default_drop_in = "/etc/containerd/conf.d/99-nvrunc.toml";

// The handler as the engine will see it, from the files on disk (imports and drop-ins merged).
Result<HandlerStatus> read_handler_status(Engine e, const EnginePaths& paths, std::string_view name);

// `<containerd> --config <config> config dump`, read: what containerd itself makes of the files.
// Errc::not_found when the containerd binary is missing; Errc::bad_config when it refuses them.
Result<HandlerStatus> dump_containerd(const std::string& containerd, const std::string& config, std::string_view name);

// Writes the changed files of `outcome`. On a write error the files already written are restored.
Result<Journal> write_outcome(const Outcome& outcome);

// Puts back what `journal` overwrote (removes the files it created). Backups are left in place.
Result<void> roll_back(const Journal& journal);

} // namespace nvrunc::engine
