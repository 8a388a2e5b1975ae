#include "nvrunc/cdi/registry.hpp"

#include <algorithm>
#include <set>

#include "nvrunc/cdi/names.hpp"
#include "nvrunc/cdi/read.hpp"
#include "nvrunc/cdi/validate.hpp"
#include "nvrunc/common/strings.hpp"

namespace nvrunc::cdi {

namespace {

bool is_spec_name(const std::string& name) { return name.ends_with(".json") || name.ends_with(".yaml"); }

std::string join_path(const std::string& dir, const std::string& name) {
  return dir.ends_with('/') ? dir + name : dir + "/" + name;
}

Result<Spec> load_spec(const std::string& path, const ReadFileFn& read_file) {
  NVRUNC_TRY(text, read_file(path));
  NVRUNC_TRY(spec, parse_spec(text, path));
  if (auto valid = check_spec(spec, path); !valid) return fail(std::move(valid.error()));
  return spec;
}

// Reads every spec file of one directory into `specs`; problems go to `errors`.
void scan_dir(const std::string& dir, size_t priority, const ReadDirFn& read_dir, const ReadFileFn& read_file,
              std::vector<SpecFile>& specs, std::vector<SpecError>& errors) {
  auto entries = read_dir(dir);
  if (!entries) {
    if (entries.error().code() != Errc::not_found) errors.push_back({dir, std::move(entries.error())});
    return;
  }
  std::sort(entries->begin(), entries->end(), [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
  for (const DirEntry& entry : *entries) {
    if (!entry.regular || !is_spec_name(entry.name)) continue;
    const std::string path = join_path(dir, entry.name);
    auto spec = load_spec(path, read_file);
    if (spec) specs.push_back({path, priority, std::move(*spec)});
    else errors.push_back({path, std::move(spec.error())});
  }
}

std::string describe_paths(const std::vector<std::string>& paths) {
  std::vector<std::string> quoted;
  for (const auto& p : paths) quoted.push_back("`" + p + "`");
  return join(quoted, ", ");
}

} // namespace

Result<Registry> load_registry(const std::vector<std::string>& dirs, const ReadDirFn& read_dir,
                               const ReadFileFn& read_file) {
  Registry r;
  for (size_t priority = 0; priority < dirs.size(); ++priority) {
    if (dirs[priority].empty()) return fail(Errc::invalid_argument, "load CDI registry: empty directory name");
    scan_dir(dirs[priority], priority, read_dir, read_file, r.m_specs, r.m_errors);
  }
  // Specs are in priority order: a later definition of a higher priority replaces; one of the same
  // priority conflicts.
  for (size_t s = 0; s < r.m_specs.size(); ++s) {
    const SpecFile& file = r.m_specs[s];
    for (size_t d = 0; d < file.spec.devices.size(); ++d) {
      const std::string name = qualified_name(file.spec.kind, file.spec.devices[d].name);
      auto [it, inserted] = r.m_devices.try_emplace(name, Registry::Location{s, d});
      if (inserted) continue;
      const SpecFile& old = r.m_specs[it->second.spec];
      if (old.priority < file.priority) r.m_conflicts.erase(name);
      else if (auto& paths = r.m_conflicts[name]; paths.empty()) paths = {old.path, file.path};
      else paths.push_back(file.path);
      it->second = {s, d};
    }
  }
  for (const auto& [name, paths] : r.m_conflicts) {
    r.m_devices.erase(name);
    for (const std::string& path : paths)
      r.m_errors.push_back({path,
                            Error(Errc::bad_spec, "conflicting CDI device `" + name + "`: defined in " + describe_paths(paths)),
                            name});
  }
  return r;
}

std::vector<std::string> Registry::list() const {
  std::vector<std::string> names;
  for (const auto& [name, location] : m_devices) names.push_back(name);
  return names;
}

Result<std::vector<ResolvedEdits>> Registry::resolve(const std::vector<std::string>& names) const {
  std::vector<ResolvedEdits> steps;
  std::vector<std::string> unresolved, notes;
  std::set<size_t> specs_used;
  std::set<std::string> seen;
  for (const std::string& name : names) {
    if (!seen.insert(name).second) continue;
    const auto it = m_devices.find(name);
    if (it == m_devices.end()) {
      unresolved.push_back("`" + name + "`");
      if (auto c = m_conflicts.find(name); c != m_conflicts.end())
        notes.push_back("`" + name + "` is defined in " + describe_paths(c->second));
      continue;
    }
    const SpecFile& file = m_specs[it->second.spec];
    if (specs_used.insert(it->second.spec).second && !file.spec.edits.empty())
      steps.push_back({file.path, std::nullopt, file.spec.edits});
    steps.push_back({file.path, name, file.spec.devices[it->second.device].edits});
  }
  if (unresolved.empty()) return steps;
  std::string message = "resolve CDI devices: unresolvable CDI devices " + join(unresolved, ", ");
  if (!notes.empty()) message += "; " + join(notes, "; ");
  if (!m_errors.empty())
    message += "; " + std::to_string(m_errors.size()) + " spec error(s), the first: " + m_errors.front().error.what();
  return fail(Errc::unknown_device, message);
}

ContainerEdits merge(const std::vector<ResolvedEdits>& steps) {
  ContainerEdits out;
  const auto append = [](auto& to, const auto& from) { to.insert(to.end(), from.begin(), from.end()); };
  for (const ResolvedEdits& step : steps) {
    const ContainerEdits& e = step.edits;
    append(out.env, e.env);
    append(out.device_nodes, e.device_nodes);
    append(out.mounts, e.mounts);
    append(out.hooks, e.hooks);
    append(out.additional_gids, e.additional_gids);
    if (e.intel_rdt) out.intel_rdt = e.intel_rdt; // the last one wins, as in the reference library
    append(out.net_devices, e.net_devices);
  }
  return out;
}

} // namespace nvrunc::cdi
