#include "nvrunc/hook/hook.hpp"

#include <csignal>
#include <ostream>

#include "nvrunc/hook/ld_config.hpp"
#include "nvrunc/hook/musl.hpp"
#include "nvrunc/hook/params.hpp"
#include "nvrunc/hook/state.hpp"
#include "nvrunc/os/rooted.hpp"

namespace nvrunc::hook {

namespace {

// Variables the dynamic loader acts on (LD_PRELOAD, LD_LIBRARY_PATH, LD_AUDIT, LD_DEBUG_OUTPUT, ...)
// and glibc's tunables (CVE-2023-4911 overflowed ld.so through GLIBC_TUNABLES).
bool is_loader_variable(std::string_view entry) {
  return entry.starts_with("LD_") || entry.starts_with("GLIBC_TUNABLES=");
}

int report_error(std::ostream& err, const Error& error) {
  err << "nvrunc-hook: " << error.what() << '\n';
  return 1;
}

void report_warnings(std::ostream& err, const std::vector<std::string>& warnings) {
  for (const auto& w : warnings) err << "nvrunc-hook: warning: " << w << '\n';
}

} // namespace

Result<void> check_environment(const char* const* envp) {
  for (; envp && *envp; ++envp) {
    std::string_view entry(*envp);
    if (!is_loader_variable(entry)) continue;
    std::string name(entry.substr(0, entry.find('=')));
    return fail(Errc::unsupported, "refusing to run with `" + name +
                                       "` in the environment: the hook entry must set an explicit env "
                                       "(the container's env leaked in, CVE-2025-23266)");
  }
  return {};
}

Result<std::vector<std::string>> create_container(const HookOptions& options, int stdin_fd) {
  NVRUNC_TRY(text, read_stream(stdin_fd));
  NVRUNC_TRY(state, load_state(text));
  NVRUNC_TRY(root, os::RootDir::open(state.rootfs));
  NVRUNC_TRY(musl, with_context(is_musl_image(root), "detect a musl image"));
  std::vector<std::string> warnings = create_links(root, options.links);
  if (musl) {
    if (auto path = write_musl_path(root, options.library_dirs); !path)
      return fail(std::move(path.error()).wrap("configure the musl dynamic linker"));
  } else {
    if (!options.library_dirs.empty()) {
      if (auto conf = write_ld_conf(root, options.library_dirs); !conf)
        return fail(std::move(conf.error()).wrap("configure the dynamic linker"));
    }
    if (options.run_ldconfig) {
      if (auto ran = run_ldconfig(root, options.ldconfig, options.library_dirs); !ran)
        return fail(std::move(ran.error()));
    }
  }
  if (options.mask_params) {
    if (auto masked = mask_params(root, options.params_path); !masked)
      warnings.push_back(masked.error().what() + " (NVML in the container may create or chmod device nodes)");
  }
  return warnings;
}

int run_hook(const std::vector<std::string>& args, const char* const* envp, int stdin_fd, std::ostream& out,
             std::ostream& err) {
  auto options = parse_options(args);
  if (!options) return report_error(err, options.error());
  report_warnings(err, options->warnings);
  switch (options->command) {
  case Command::help: out << usage(); return 0;
  case Command::version: out << "nvrunc-hook " << NVRUNC_VERSION << '\n'; return 0;
  case Command::unknown: return 0;
  case Command::create_container: break;
  }
  if (auto env = check_environment(envp); !env) return report_error(err, env.error());
  std::signal(SIGCHLD, SIG_DFL); // an inherited SIG_IGN would make waitpid lose ldconfig's status
  auto warnings = create_container(*options, stdin_fd);
  if (!warnings) return report_error(err, std::move(warnings.error()).wrap("create-container"));
  report_warnings(err, *warnings);
  return 0;
}

} // namespace nvrunc::hook
