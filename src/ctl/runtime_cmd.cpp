// nvrunc-ctl runtime configure: writes the `nvidia` runtime handler into containerd's, CRI-O's or
// Docker's configuration (the engine module does the text), writes it safely, and checks that the
// engine will see it: for containerd with `containerd config dump` when containerd is installed,
// since a handler written where containerd does not look is the classic silent failure (toolkit
// #1430, #1404). A failed check puts the files back and exits 1.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "commands.hpp"
#include "nvrunc/engine/files.hpp"
#include "nvrunc/engine/docker.hpp"
#include "nvrunc/os/exec.hpp"
#include "nvrunc/os/file.hpp"

namespace nvrunc::ctl {

namespace {

struct ConfigureArgs {
  std::string runtime;
  std::string config;
  std::string drop_in;
  bool drop_in_given = false;
  engine::ConfigureOptions options;
  bool dry_run = false;
  std::string containerd = "containerd";
};

// nvrunc next to this nvrunc-ctl (a build tree, a DaemonSet's copy), else the packaged one.
std::string default_binary() {
  const std::string self = os::self_executable();
  const auto slash = self.rfind('/');
  if (slash != std::string::npos) {
    const std::string sibling = self.substr(0, slash) + "/nvrunc";
    if (os::is_executable_file(sibling)) return sibling;
  }
  return "/usr/bin/nvrunc";
}

void say(const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); }

Result<engine::Outcome> plan(engine::Engine e, const ConfigureArgs& a) {
  switch (e) {
  case engine::Engine::containerd: {
    NVRUNC_TRY(files, engine::load_containerd(a.config, a.drop_in));
    return engine::configure_containerd(files, a.options);
  }
  case engine::Engine::crio: {
    NVRUNC_TRY(files, engine::load_crio(a.config, a.drop_in));
    return engine::configure_crio(files, a.options);
  }
  case engine::Engine::docker: {
    NVRUNC_TRY(file, engine::read_source(a.config));
    return engine::configure_docker(file, a.options);
  }
  }
  return fail(Errc::internal, "unknown engine");
}

// What the engine makes of the files now on disk; `how` says how that was found out.
Result<engine::HandlerStatus> observe(engine::Engine e, const ConfigureArgs& a, std::string& how) {
  if (e == engine::Engine::containerd) {
    const char* path = std::getenv("PATH");
    const std::string bin = os::find_executable(a.containerd, path && *path ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
    if (!bin.empty()) {
      how = "`" + bin + " --config " + a.config + " config dump`";
      return engine::dump_containerd(bin, a.config, a.options.name);
    }
    how = "nvrunc's reading of the merged files (containerd is not installed, so `containerd config dump` could not be asked)";
  } else {
    how = "nvrunc's reading of the merged files";
  }
  return engine::read_handler_status(e, {a.config, a.drop_in}, a.options.name);
}

void print_dry_run(const engine::Outcome& out) {
  for (const auto& f : out.files) {
    if (out.files.size() > 1) std::printf("# ==> %s (%s) <==\n", f.path.c_str(), f.changed() ? "new content" : "unchanged");
    std::fputs(f.after.c_str(), stdout);
    if (out.files.size() > 1) std::printf("\n");
  }
}

int run_configure(ConfigureArgs a) {
  const auto fail_with = [](const std::string& what) {
    say("nvrunc-ctl: runtime configure: " + what);
    return 1;
  };
  auto e = engine::parse_engine(a.runtime);
  if (!e) return fail_with(e.error().what());
  const engine::EnginePaths defaults = engine::default_paths(*e);
  if (a.config.empty()) a.config = defaults.config;
  if (!a.drop_in_given) a.drop_in = defaults.drop_in;
  // containerd resolves a relative import against the main file's directory, not ours.
  for (std::string* p : {&a.config, &a.drop_in})
    if (!p->empty()) *p = std::filesystem::absolute(*p).lexically_normal().string();
  if (a.drop_in == a.config) return fail_with("--drop-in and --config name the same file");
  if (*e == engine::Engine::docker && !a.drop_in.empty()) return fail_with("docker has no drop-in files: drop --drop-in");
  if (*e == engine::Engine::crio && a.drop_in.empty()) return fail_with("CRI-O needs a drop-in file (--drop-in)");
  if (a.options.binary.empty()) a.options.binary = default_binary();
  if (!os::is_executable_file(a.options.binary))
    say("warning: `" + a.options.binary + "` is not an executable file (yet): the engine will fail to start containers "
        "with the `" + a.options.name + "` handler until it is");

  auto out = plan(*e, a);
  if (!out) return fail_with(out.error().what() + " (nothing was written)");
  if (a.dry_run) {
    print_dry_run(*out);
    for (const auto& n : out->notes) say("note: " + n);
    say(out->changed() ? "dry run: nothing written" : "dry run: the configuration is already as asked; nothing would change");
    return 0;
  }
  auto journal = engine::write_outcome(*out);
  if (!journal) return fail_with(journal.error().what());
  for (const auto& m : journal->messages) say(m);

  std::string how;
  auto status = observe(*e, a, how);
  auto verified = status ? engine::check_handler(*status, a.options, how) : Result<void>(fail(status.error()));
  if (!verified) {
    std::string hint;
    if (*e == engine::Engine::containerd && status) {
      // A version 3 file read by containerd 1.x: it dumps its own version 2 view, without the handler.
      auto own = engine::read_handler_status(*e, {a.config, a.drop_in}, a.options.name);
      if (own && own->config_version > status->config_version)
        hint = " (the installed containerd reads configuration version " + std::to_string(status->config_version) +
               ", this file is version " + std::to_string(own->config_version) + ")";
    }
    auto undone = engine::roll_back(*journal);
    return fail_with("verify: " + verified.error().what() + hint +
                     (journal->written.empty() ? std::string()
                      : undone                 ? std::string("; the files are put back as they were")
                                               : "; putting the files back failed too: " + undone.error().what()));
  }
  say("verified with " + how + ": handler `" + a.options.name + "` runs `" + status->binary + "`" +
      (status->is_default ? " and is the default runtime" : " (default runtime: `" + status->default_runtime + "`)"));
  for (const auto& n : out->notes) say("note: " + n);
  if (!out->changed()) say("nothing to do: the configuration already has the handler as asked (files unchanged)");
  return 0;
}

} // namespace

void register_runtime(CLI::App& app, int& exit_code) {
  auto* runtime = app.add_subcommand("runtime", "Configure container engines to run containers through nvrunc");
  runtime->require_subcommand(1);
  auto a = std::make_shared<ConfigureArgs>();
  auto* cmd = runtime->add_subcommand(
      "configure", "Add the `nvidia` runtime handler (nvrunc) to containerd's, CRI-O's or Docker's configuration");
  cmd->add_option("--runtime", a->runtime, "The engine: containerd, crio or docker")->required();
  cmd->add_option("--config", a->config,
                  "Its main configuration file (default: /etc/containerd/config.toml, /etc/crio/crio.conf, "
                  "/etc/docker/daemon.json)");
  cmd->add_option("--drop-in", a->drop_in,
                  "Write the handler into this file instead of the main one (containerd: the main file imports it, "
                  "e.g. /etc/containerd/conf.d/99-nvrunc.toml; CRI-O default: /etc/crio/crio.conf.d/99-nvrunc.conf)")
      ->each([a](const std::string&) { a->drop_in_given = true; });
  cmd->add_option("--name", a->options.name, "The handler's name, as a RuntimeClass `handler` names it")->capture_default_str();
  cmd->add_option("--binary", a->options.binary,
                  "nvrunc's absolute path (default: the nvrunc next to this nvrunc-ctl, else /usr/bin/nvrunc)");
  cmd->add_flag("--set-as-default", a->options.set_as_default,
                "Make it the default runtime: every container goes through nvrunc (it passes non-GPU ones to runc)");
  cmd->add_flag("--enable-cdi", a->options.enable_cdi,
                "Also let the engine inject CDI devices itself (containerd enable_cdi, Docker features.cdi)");
  cmd->add_flag("--dry-run", a->dry_run, "Print the resulting file(s) to stdout and write nothing");
  cmd->add_option("--containerd", a->containerd, "The containerd binary that checks the result (config dump)")
      ->capture_default_str();
  cmd->footer(
      "Idempotent: a second run leaves every file byte for byte as it is and says so. TOML files are edited in\n"
      "place (comments kept); a file that cannot be edited in place is written whole and the output says so.\n"
      "Before its first change a file's original is kept as <file>.nvrunc.bak (CRI-O: next to crio.conf.d).\n"
      "A file that does not parse is refused. containerd's result is checked with `containerd config dump`;\n"
      "a failed check puts the files back. Restart (containerd, Docker) or reload (CRI-O) the engine afterwards.");
  cmd->callback([a, &exit_code] { exit_code = run_configure(*a); });
}

} // namespace nvrunc::ctl
