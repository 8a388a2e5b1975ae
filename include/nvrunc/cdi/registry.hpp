// The CDI spec directories (research notes C.5, C.6) as one registry of devices.
//
// Promises:
// - only regular files (or links to them) named *.json or *.yaml directly in each directory are
//   read, in name order; no recursion; a missing directory is no error;
// - the priority of a file is the index of its directory: later directories win, so with the
//   defaults /var/run/cdi overrides /etc/cdi;
// - a qualified device defined in two files of the winning directory is a conflict: the device is
//   removed and the conflict recorded against both files (a device a later directory redefines is
//   simply overridden; the reference library also drops it when the conflict was in a lower one);
// - a file that cannot be read, parsed or validated is recorded and skipped; it never hides the
//   devices of other files;
// - file access goes through two callbacks, so tests need no disk; load_registry(dirs) uses the
//   real filesystem (registry_fs.cpp).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "nvrunc/cdi/spec.hpp"
#include "nvrunc/common/error.hpp"

namespace nvrunc::cdi {

inline const std::vector<std::string> default_spec_dirs = {"/etc/cdi", "/var/run/cdi"};

struct DirEntry {
  std::string name;     // the file name, no directory
  bool regular = false; // a regular file, or a symbolic link to one
};
// Lists a directory; Errc::not_found when it does not exist.
using ReadDirFn = std::function<Result<std::vector<DirEntry>>(const std::string& dir)>;
using ReadFileFn = std::function<Result<std::string>(const std::string& path)>;

struct SpecFile {
  std::string path;
  size_t priority = 0; // index of its directory
  Spec spec;
};

// Something that kept a file (or a directory) from contributing devices.
struct SpecError {
  std::string path;
  Error error;
  std::optional<std::string> conflict{}; // the qualified device name, when the error is a conflict
};

// One step of an injection: a spec's common containerEdits (device == nullopt) or a device's.
struct ResolvedEdits {
  std::string spec_path;
  std::optional<std::string> device; // the qualified name
  ContainerEdits edits;
};

class Registry {
public:
  // Every available qualified device name, sorted.
  std::vector<std::string> list() const;
  const std::vector<SpecFile>& specs() const { return m_specs; }
  const std::vector<SpecError>& errors() const { return m_errors; }

  // The edits to apply for `names`, in request order: the first time a spec is used, its common
  // containerEdits, then each device's own (a name requested twice is used once). Fails with
  // Errc::unknown_device listing every name that does not resolve, and nothing is returned.
  Result<std::vector<ResolvedEdits>> resolve(const std::vector<std::string>& names) const;

private:
  friend Result<Registry> load_registry(const std::vector<std::string>&, const ReadDirFn&, const ReadFileFn&);
  struct Location {
    size_t spec = 0, device = 0;
  };
  std::vector<SpecFile> m_specs;
  std::map<std::string, Location> m_devices;
  std::map<std::string, std::vector<std::string>> m_conflicts; // qualified name -> the files defining it
  std::vector<SpecError> m_errors;
};

// Fails (Errc::invalid_argument) only for an empty directory name; everything else is collected
// in errors().
Result<Registry> load_registry(const std::vector<std::string>& dirs, const ReadDirFn& read_dir,
                               const ReadFileFn& read_file);
Result<Registry> load_registry(const std::vector<std::string>& dirs = default_spec_dirs);

// All steps' edits concatenated, in order: what apply gets for the whole request.
ContainerEdits merge(const std::vector<ResolvedEdits>& steps);

} // namespace nvrunc::cdi
