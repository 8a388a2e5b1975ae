// `runtime configure --runtime containerd` (containerd.hpp): the handler, written into the main
// file or into a drop-in that the main file imports.
#include "nvrunc/engine/containerd.hpp"

#include <fnmatch.h>

#include <algorithm>

#include "containerd_model.hpp"
#include "nvrunc/common/strings.hpp"

namespace nvrunc::engine {

namespace {

using namespace toml_doc;
using namespace containerd;

constexpr std::string_view marker = "# Written by nvrunc-ctl runtime configure";
const Style containerd_style{2, 2};

std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

bool has_marker(const SourceFile& f) { return f.text && f.text->find(marker) != std::string::npos; }

// Where the first-ever original of a file is kept; our own generated files need none.
std::string backup_for(const SourceFile& f) { return f.text && !has_marker(f) ? f.path + ".nvrunc.bak" : ""; }

// A new handler: a copy of the default runtime's (else runc's, else crun's) when that one is a runc
// shim handler, so SystemdCgroup and the other runc options carry over.
toml::table new_handler(const toml::table& runtimes, const std::string& default_name, const ConfigureOptions& o,
                        std::vector<std::string>& notes) {
  for (const std::string& from : {default_name, std::string("runc"), std::string("crun")}) {
    const auto* source = runtimes.get_as<toml::table>(from);
    if (from == o.name || source == nullptr) continue;
    const std::string type = get_string(*source, "runtime_type").value_or("");
    if (!type.empty() && type != runc_v2) continue; // kata & co: their options mean nothing to runc
    toml::table handler = *source;
    std::string systemd;
    if (const auto* opts = handler.get_as<toml::table>("options"))
      if (auto sc = get_bool(*opts, "SystemdCgroup")) systemd = std::string(" (SystemdCgroup = ") + (*sc ? "true)" : "false)");
    notes.push_back("the `" + o.name + "` handler starts as a copy of the `" + from + "` handler" + systemd);
    return handler;
  }
  notes.push_back("no runc handler to copy options from: SystemdCgroup is left unset (false); set it in the `" + o.name +
                  "` handler's options if the kubelet uses the systemd cgroup driver");
  return {};
}

// runtime_type, options.BinaryName and the CDI annotations of the handler.
void point_at_nvrunc(toml::table& handler, const ConfigureOptions& o, std::vector<std::string>& notes) {
  const std::string type = get_string(handler, "runtime_type").value_or("");
  if (type != runc_v2) {
    if (!type.empty())
      notes.push_back("runtime_type of `" + o.name + "` was `" + type + "`: now " + std::string(runc_v2) +
                      ", the shim that runs a BinaryName");
    handler.insert_or_assign("runtime_type", runc_v2);
  }
  auto& options = ensure_table(handler, {"options"});
  if (auto old = get_string(options, "BinaryName"); old && !old->empty() && *old != o.binary)
    notes.push_back("the `" + o.name + "` handler ran `" + *old + "`: now `" + o.binary + "`");
  options.insert_or_assign("BinaryName", o.binary);
  auto* annotations = handler.get_as<toml::array>("container_annotations");
  if (annotations == nullptr) {
    handler.insert_or_assign("container_annotations", toml::array{std::string(cdi_annotation)});
  } else if (std::none_of(annotations->begin(), annotations->end(), [](const toml::node& n) {
               return n.as_string() && n.as_string()->get() == cdi_annotation;
             })) {
    annotations->push_back(std::string(cdi_annotation));
  }
}

// Adds the handler (and what was asked with it) to a CRI plugin section.
void apply_handler(toml::table& cri, const ConfigureOptions& o, std::vector<std::string>& notes) {
  auto& ctd = ensure_table(cri, {"containerd"});
  auto& runtimes = ensure_table(ctd, {"runtimes"});
  std::string default_name = get_string(ctd, "default_runtime_name").value_or("");
  if (default_name.empty()) default_name = "runc";
  if (runtimes.get_as<toml::table>(o.name) == nullptr)
    runtimes.insert_or_assign(o.name, new_handler(runtimes, default_name, o, notes));
  point_at_nvrunc(*runtimes.get_as<toml::table>(o.name), o, notes);
  if (o.set_as_default) ctd.insert_or_assign("default_runtime_name", o.name);
  const std::string now_default = o.set_as_default ? o.name : default_name;
  if (now_default != o.name && runtimes.get_as<toml::table>(now_default) == nullptr) {
    if (now_default == "runc") {
      runtimes.insert_or_assign("runc", toml::table{{"runtime_type", runc_v2}});
      notes.push_back("added a plain `runc` handler: containerd drops its built-in one once the config names any "
                      "runtime, and the CRI plugin would have no default runtime");
    } else {
      notes.push_back("warning: the default runtime `" + now_default + "` has no handler in this configuration");
    }
  }
  if (o.enable_cdi) {
    cri.insert_or_assign("enable_cdi", true);
    if (!cri.contains("cdi_spec_dirs")) {
      toml::array dirs;
      for (const auto& d : o.cdi_spec_dirs) dirs.push_back(d);
      cri.insert_or_assign("cdi_spec_dirs", std::move(dirs));
    }
  }
}

struct Parsed {
  const SourceFile* file;
  toml::table tree;
};

Result<void> check_cri_enabled(const std::vector<const Parsed*>& files, int version, const ConfigureOptions& o) {
  for (const Parsed* file : files) {
    const Parsed& p = *file;
    const auto* disabled = p.tree.get_as<toml::array>("disabled_plugins");
    if (disabled == nullptr || !cri_disabled(get_strings(p.tree, "disabled_plugins"), version)) continue;
    return fail(Errc::unsupported,
                "`" + p.file->path + "`: the CRI plugin is disabled (disabled_plugins = " + render_value(*disabled) +
                    ", line " + std::to_string(disabled->source().begin.line) + "), so containerd would ignore the `" +
                    o.name + "` handler: remove it from disabled_plugins (Kubernetes needs the CRI plugin)");
  }
  return {};
}

bool imported_by(const std::string& pattern, const std::string& main_path, const std::string& path) {
  const std::string full = pattern.empty() || pattern.front() == '/' ? pattern : dir_of(main_path) + "/" + pattern;
  return full == path || ::fnmatch(full.c_str(), path.c_str(), FNM_PATHNAME) == 0;
}

FileUpdate update_file(const SourceFile& f, const toml::table& current, const toml::table& target, std::string_view header) {
  FileUpdate u{f.path, f.text, "", false, backup_for(f), ""};
  if (!f.text || current.empty()) {
    // Nothing worth keeping but comments: written whole, comments first.
    std::string comments;
    if (f.text)
      for (auto line : split(*f.text, '\n'))
        if (!trim(line).empty()) comments += std::string(line) + "\n";
    u.after = render_document(target, containerd_style, comments.empty() ? header : std::string_view(comments));
    return u;
  }
  auto edited = edit_to_match(*f.text, target, containerd_style);
  u.after = std::move(edited.text);
  u.rewritten = edited.rewritten;
  return u;
}

std::string drop_in_header(const std::string& main_path, const std::string& cri) {
  return std::string(marker) + ".\n"
         "# containerd before 2.1 replaces a plugin's whole section with an imported one, so this file holds\n"
         "# the complete [plugins.\"" + cri + "\"] section of " + main_path + " plus the\n"
         "# runtime handler: after changing that section there, run nvrunc-ctl runtime configure again.\n";
}

Result<Outcome> configure_in_main(const Parsed& main, const std::vector<Parsed>& imports, int version,
                                  const ConfigureOptions& o) {
  const std::string cri = cri_plugin(version);
  for (const auto& p : imports)
    if (find_table(p.tree, {"plugins", cri}))
      return fail(Errc::unsupported, "`" + p.file->path + "` (imported by `" + main.file->path +
                                         "`) replaces the CRI plugin section of the main file: write the handler "
                                         "into a drop-in imported after it (--drop-in)");
  Outcome out;
  toml::table target = main.tree;
  if (main.tree.empty()) target.insert_or_assign("version", version); // a version-less (v1) file stays so
  apply_handler(ensure_table(target, {"plugins", cri}), o, out.notes);
  out.files.push_back(update_file(*main.file, main.tree, target, std::string(marker) + ".\n"));
  return out;
}

Result<Outcome> configure_with_drop_in(const Parsed& main, const std::vector<Parsed>& imports,
                                       const SourceFile& drop_in, int version, const ConfigureOptions& o) {
  const std::string cri = cri_plugin(version);
  Outcome out;
  // The main file: imports the drop-in (unless a pattern already does), and has a version.
  toml::table main_target = main.tree;
  if (main.tree.empty()) main_target.insert_or_assign("version", version);
  const auto patterns = get_strings(main.tree, "imports");
  auto matching = std::find_if(patterns.begin(), patterns.end(),
                               [&](const std::string& p) { return imported_by(p, main.file->path, drop_in.path); });
  if (matching == patterns.end()) {
    auto* arr = main_target.get_as<toml::array>("imports");
    if (arr == nullptr) main_target.insert_or_assign("imports", toml::array{drop_in.path});
    else arr->push_back(drop_in.path);
  }
  // The drop-in's position among the imports: a later file that defines the section would win.
  auto ours = std::find_if(imports.begin(), imports.end(), [&](const Parsed& p) { return p.file->path == drop_in.path; });
  toml::table section = find_table(main.tree, {"plugins", cri}) ? *find_table(main.tree, {"plugins", cri}) : toml::table{};
  for (auto it = imports.begin(); it != imports.end(); ++it) {
    const toml::table* defined = find_table(it->tree, {"plugins", cri});
    if (defined == nullptr || it == ours) continue;
    if (ours != imports.end() && it > ours)
      return fail(Errc::unsupported, "`" + it->file->path + "` is imported after `" + drop_in.path +
                                         "` and replaces its CRI plugin section: give the drop-in a name that sorts "
                                         "after it");
    section = *defined;
  }
  toml::table drop_target;
  drop_target.insert_or_assign("version", version);
  apply_handler(section, o, out.notes);
  ensure_table(drop_target, {"plugins"}).insert_or_assign(cri, std::move(section));
  toml::table drop_current;
  if (drop_in.text) {
    NVRUNC_TRY(tree, parse(*drop_in.text, drop_in.path));
    drop_current = std::move(tree);
  }
  FileUpdate d = update_file(drop_in, drop_current, drop_target, drop_in_header(main.file->path, cri));
  d.mode_from = main.file->text ? main.file->path : "";
  out.files.push_back(std::move(d));
  out.files.push_back(update_file(*main.file, main.tree, main_target, std::string(marker) + ".\n"));
  if (matching != patterns.end())
    out.notes.push_back("`" + drop_in.path + "` is already imported through `" + *matching + "`");
  return out;
}

} // namespace

Result<Outcome> configure_containerd(const ContainerdFiles& files, const ConfigureOptions& o) {
  if (auto valid = validate(o); !valid) return fail(valid.error());
  NVRUNC_TRY(main_tree, parse(text_of(files.main), files.main.path));
  NVRUNC_TRY(version, config_version(main_tree, files.main.path));
  std::vector<Parsed> imports;
  for (const auto& f : files.imports) {
    if (files.drop_in && f.path == files.drop_in->path) {
      imports.push_back({&f, {}}); // our drop-in: its position matters, not what it says now
      continue;
    }
    if (!f.text) continue;
    NVRUNC_TRY(tree, parse(*f.text, f.path));
    imports.push_back({&f, std::move(tree)});
  }
  const Parsed main{&files.main, std::move(main_tree)};
  std::vector<const Parsed*> all{&main};
  for (const auto& p : imports) all.push_back(&p);
  if (auto enabled = check_cri_enabled(all, version, o); !enabled) return fail(enabled.error());
  auto out = files.drop_in ? configure_with_drop_in(main, imports, *files.drop_in, version, o)
                           : configure_in_main(main, imports, version, o);
  if (!out) return out;
  for (const auto& f : out->files)
    if (f.rewritten)
      out->notes.push_back("`" + f.path + "` could not be edited in place and is written whole, without its comments" +
                           (f.backup_path.empty() ? std::string(" (nvrunc's own file)")
                                                  : " (the original is kept as `" + f.backup_path + "`)"));
  if (out->changed()) out->notes.push_back("restart containerd to apply: systemctl restart containerd");
  return out;
}

} // namespace nvrunc::engine
