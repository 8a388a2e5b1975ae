// `runtime configure --runtime crio` (crio.hpp): the handler in a drop-in of its own.
#include "nvrunc/engine/crio.hpp"

#include <algorithm>

#include "nvrunc/common/strings.hpp"
#include "toml_doc.hpp"

namespace nvrunc::engine {

namespace {

using namespace toml_doc;

constexpr std::string_view marker = "# Written by nvrunc-ctl runtime configure";
constexpr std::string_view monitor_path_env = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const Style crio_style{0, 0};
const Path runtime_path{"crio", "runtime"};

std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

// CRI-O reads every file of its drop-in directory, so a backup must live outside it.
std::string backup_for(const SourceFile& f) {
  if (!f.text || f.text->find(marker) != std::string::npos) return "";
  const std::string name = f.path.substr(f.path.rfind('/') + 1);
  return dir_of(dir_of(f.path)) + "/" + name + ".nvrunc.bak";
}

// Later files override earlier ones key by key (CRI-O decodes each file over the previous result).
void merge_deep(toml::table& to, const toml::table& from) {
  for (const auto& [k, v] : from) {
    auto* existing = to.get_as<toml::table>(k.str());
    if (existing != nullptr && v.is_table()) merge_deep(*existing, *v.as_table());
    else to.insert_or_assign(k.str(), v);
  }
}

Result<toml::table> parse_file(const SourceFile& f) {
  if (!f.text) return toml::table{};
  return parse(*f.text, f.path);
}

// A file after ours that sets what we set would win.
Result<void> check_later(const SourceFile& f, const toml::table& t, const SourceFile& ours, const ConfigureOptions& o) {
  const toml::table* runtime = find_table(t, runtime_path);
  if (runtime == nullptr) return {};
  const bool handler = find_table(*runtime, {"runtimes", o.name}) != nullptr;
  const bool default_rt = o.set_as_default && runtime->contains("default_runtime");
  if (!handler && !default_rt) return {};
  return fail(Errc::unsupported, "`" + f.path + "` is read after `" + ours.path + "` and sets " +
                                     (handler ? "crio.runtime.runtimes." + o.name : std::string("default_runtime")) +
                                     " too, so it would win: give the drop-in a name that sorts after it");
}

toml::table new_handler(const toml::table& merged, std::vector<std::string>& notes, const ConfigureOptions& o) {
  const toml::table* runtime = find_table(merged, runtime_path);
  const toml::table* runtimes = runtime ? find_table(*runtime, {"runtimes"}) : nullptr;
  const std::string default_rt = runtime ? get_string(*runtime, "default_runtime").value_or("") : "";
  toml::table handler;
  for (const std::string& from : {default_rt, std::string("runc"), std::string("crun")}) {
    const toml::table* source = runtimes && !from.empty() && from != o.name ? find_table(*runtimes, {from}) : nullptr;
    if (source == nullptr) continue;
    handler = *source;
    // Paths belong to the other runtime.
    for (auto key : {"runtime_path", "runtime_root", "runtime_config_path", "platform_runtime_paths"}) handler.erase(key);
    notes.push_back("the `" + o.name + "` handler starts as a copy of the `" + from + "` handler");
    break;
  }
  return handler;
}

} // namespace

Result<Outcome> configure_crio(const CrioFiles& files, const ConfigureOptions& o) {
  if (auto valid = validate(o); !valid) return fail(valid.error());
  NVRUNC_TRY(merged, parse_file(files.main));
  NVRUNC_TRY(current, parse_file(files.drop_in));
  for (const auto& f : files.other_drop_ins) {
    NVRUNC_TRY(tree, parse_file(f));
    if (f.path < files.drop_in.path) {
      merge_deep(merged, tree);
    } else if (auto later = check_later(f, tree, files.drop_in, o); !later) {
      return fail(later.error());
    }
  }
  Outcome out;
  toml::table target = current;
  auto& runtime = ensure_table(target, runtime_path);
  auto& runtimes = ensure_table(runtime, {"runtimes"});
  if (runtimes.get_as<toml::table>(o.name) == nullptr) runtimes.insert_or_assign(o.name, new_handler(merged, out.notes, o));
  auto& handler = *runtimes.get_as<toml::table>(o.name);
  handler.insert_or_assign("runtime_path", o.binary);
  handler.insert_or_assign("runtime_type", "oci");
  handler.insert_or_assign("runtime_root", std::string(crio_runtime_root));
  if (!handler.contains("monitor_env")) handler.insert_or_assign("monitor_env", toml::array{std::string(monitor_path_env)});
  if (o.set_as_default) runtime.insert_or_assign("default_runtime", o.name);
  if (o.enable_cdi) out.notes.push_back("CRI-O always reads CDI specs (crio.runtime cdi_spec_dirs): nothing to enable");

  FileUpdate u{files.drop_in.path, files.drop_in.text, "", false, backup_for(files.drop_in),
               files.main.text ? files.main.path : ""};
  const std::string header = std::string(marker) + " --runtime crio.\n"
                             "# CRI-O reads this after " + files.main.path + " and the drop-ins that sort before it.\n";
  if (!files.drop_in.text || current.empty()) {
    u.after = render_document(target, crio_style, header);
  } else {
    auto edited = edit_to_match(*files.drop_in.text, target, crio_style);
    u.after = std::move(edited.text);
    u.rewritten = edited.rewritten;
    if (u.rewritten) out.notes.push_back("`" + u.path + "` is written whole, without its comments");
  }
  out.files.push_back(std::move(u));
  if (out.changed()) out.notes.push_back("reload CRI-O to apply: systemctl reload crio (SIGHUP re-reads runtime handlers)");
  return out;
}

Result<HandlerStatus> inspect_crio(const CrioFiles& files, std::string_view name) {
  NVRUNC_TRY(merged, parse_file(files.main));
  std::vector<const SourceFile*> order{&files.drop_in};
  for (const auto& f : files.other_drop_ins) order.push_back(&f);
  std::sort(order.begin(), order.end(), [](const SourceFile* a, const SourceFile* b) { return a->path < b->path; });
  HandlerStatus s;
  s.sources.push_back(files.main.path);
  for (const auto* f : order) {
    if (!f->text) continue;
    NVRUNC_TRY(tree, parse_file(*f));
    merge_deep(merged, tree);
    s.sources.push_back(f->path);
  }
  const toml::table* runtime = find_table(merged, runtime_path);
  s.default_runtime = runtime ? get_string(*runtime, "default_runtime").value_or("") : "";
  s.is_default = s.default_runtime == name;
  s.cdi_enabled = true;
  const toml::table* handler = runtime ? find_table(*runtime, {"runtimes", std::string(name)}) : nullptr;
  if (handler == nullptr) return s;
  s.present = true;
  s.binary = get_string(*handler, "runtime_path").value_or("");
  s.runtime_type = get_string(*handler, "runtime_type").value_or("oci");
  return s;
}

} // namespace nvrunc::engine
