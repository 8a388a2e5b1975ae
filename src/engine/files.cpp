// Reading and writing engine configuration files (files.hpp).
#include "nvrunc/engine/files.hpp"

#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "nvrunc/engine/command.hpp"
#include "nvrunc/engine/docker.hpp"
#include "nvrunc/os/exec.hpp"
#include "nvrunc/os/file.hpp"

namespace nvrunc::engine {

namespace {

namespace fs = std::filesystem;

std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

// containerd's resolveImports: relative to the importing file, globs expanded in sorted order.
std::vector<std::string> expand_import(const std::string& pattern, const std::string& main_path) {
  const std::string full = pattern.front() == '/' ? pattern : dir_of(main_path) + "/" + pattern;
  if (full.find_first_of("*?[") == std::string::npos) return {os::clean_path(full)};
  std::vector<std::string> out;
  glob_t g{};
  if (::glob(full.c_str(), 0, nullptr, &g) == 0)
    for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(os::clean_path(g.gl_pathv[i]));
  ::globfree(&g);
  return out;
}

os::WriteOptions write_options_for(const std::string& path, const std::string& mode_from) {
  os::WriteOptions w;
  struct stat st{};
  if (::stat(path.c_str(), &st) == 0 || (!mode_from.empty() && ::stat(mode_from.c_str(), &st) == 0)) {
    w.mode = st.st_mode & 07777;
    w.uid = st.st_uid;
    w.gid = st.st_gid;
  }
  return w;
}

Result<void> ensure_parent(const std::string& path) {
  std::error_code ec;
  fs::create_directories(dir_of(path), ec);
  if (ec) return fail(Errc::io, "create directory `" + dir_of(path) + "`: " + ec.message());
  return {};
}

} // namespace

Result<SourceFile> read_source(const std::string& path) {
  auto text = os::read_file(path, 16u << 20);
  if (text) return SourceFile{path, std::move(*text)};
  if (text.error().code() == Errc::not_found) return SourceFile{path, std::nullopt};
  return fail(std::move(text.error()));
}

Result<ContainerdFiles> load_containerd(const std::string& main_path, const std::string& drop_in_path) {
  ContainerdFiles files;
  NVRUNC_TRY(main, read_source(main_path));
  files.main = std::move(main);
  std::vector<std::string> seen;
  if (files.main.text) {
    NVRUNC_TRY(patterns, containerd_imports(files.main));
    for (const auto& pattern : patterns) {
      if (pattern.empty()) continue;
      for (auto& path : expand_import(pattern, main_path)) {
        if (std::find(seen.begin(), seen.end(), path) != seen.end()) continue;
        seen.push_back(path);
        NVRUNC_TRY(f, read_source(path));
        files.imports.push_back(std::move(f));
      }
    }
  }
  if (!drop_in_path.empty()) {
    NVRUNC_TRY(d, read_source(drop_in_path));
    files.drop_in = std::move(d);
  }
  return files;
}

Result<CrioFiles> load_crio(const std::string& main_path, const std::string& drop_in_path) {
  CrioFiles files;
  NVRUNC_TRY(main, read_source(main_path));
  NVRUNC_TRY(drop_in, read_source(drop_in_path));
  files.main = std::move(main);
  files.drop_in = std::move(drop_in);
  std::error_code ec;
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir_of(drop_in_path), ec))
    if (e.is_regular_file() && e.path().string() != drop_in_path) names.push_back(e.path().string());
  std::sort(names.begin(), names.end());
  for (const auto& n : names) {
    NVRUNC_TRY(f, read_source(n));
    files.other_drop_ins.push_back(std::move(f));
  }
  return files;
}

EnginePaths default_paths(Engine e) {
  switch (e) {
  case Engine::containerd: return {"/etc/containerd/config.toml", ""};
  case Engine::crio: return {"/etc/crio/crio.conf", "/etc/crio/crio.conf.d/99-nvrunc.conf"};
  case Engine::docker: return {"/etc/docker/daemon.json", ""};
  }
  return {};
}

Result<HandlerStatus> read_handler_status(Engine e, const EnginePaths& paths, std::string_view name) {
  switch (e) {
  case Engine::containerd: {
    NVRUNC_TRY(files, load_containerd(paths.config, ""));
    return inspect_containerd(files.main, files.imports, name);
  }
  case Engine::crio: {
    NVRUNC_TRY(files, load_crio(paths.config, paths.drop_in));
    return inspect_crio(files, name);
  }
  case Engine::docker: {
    NVRUNC_TRY(file, read_source(paths.config));
    return inspect_docker(file, name);
  }
  }
  return fail(Errc::internal, "unknown engine");
}

Result<HandlerStatus> dump_containerd(const std::string& containerd, const std::string& config, std::string_view name) {
  NVRUNC_TRY(r, run_command({containerd, "--config", config, "config", "dump"}, 30000));
  if (r.timed_out) return fail(Errc::io, "`" + containerd + " config dump` did not finish within 30 s");
  if (r.exit_code != 0)
    return fail(Errc::bad_config, "`" + containerd + " --config " + config + " config dump` failed: " +
                                      first_line(r.err.empty() ? r.out : r.err));
  return inspect_containerd_dump(r.out, name);
}

Result<Journal> write_outcome(const Outcome& outcome) {
  Journal j;
  for (const auto& f : outcome.files) {
    if (!f.changed()) {
      j.messages.push_back("`" + f.path + "`: unchanged");
      continue;
    }
    auto written = [&]() -> Result<void> {
      if (auto p = ensure_parent(f.path); !p) return p;
      const os::WriteOptions w = write_options_for(f.path, f.mode_from);
      if (f.before && !f.backup_path.empty() && !os::path_exists(f.backup_path)) {
        if (auto p = ensure_parent(f.backup_path); !p) return p;
        if (auto b = os::write_file_atomic(f.backup_path, *f.before, w); !b) return b;
      }
      return os::write_file_atomic(f.path, f.after, w);
    }();
    if (!written) {
      (void)roll_back(j);
      return fail(std::move(written.error()).wrap("write `" + f.path + "`"));
    }
    j.written.push_back({f.path, f.before});
    std::string msg = (f.before ? "updated `" : "created `") + f.path + "`";
    if (f.before && !f.backup_path.empty()) msg += " (the original is kept as `" + f.backup_path + "`)";
    j.messages.push_back(msg);
  }
  return j;
}

Result<void> roll_back(const Journal& journal) {
  std::optional<Error> first;
  for (auto it = journal.written.rbegin(); it != journal.written.rend(); ++it) {
    if (it->before) {
      auto r = os::write_file_atomic(it->path, *it->before, write_options_for(it->path, ""));
      if (!r && !first) first = r.error();
    } else if (::unlink(it->path.c_str()) != 0 && !first) {
      first = Error(Errc::io, "remove `" + it->path + "`", errno);
    }
  }
  if (first) return fail(*first);
  return {};
}

} // namespace nvrunc::engine
