#include "nvrunc/hook/options.hpp"

#include <algorithm>
#include <array>

namespace nvrunc::hook {

namespace {

bool has_control(std::string_view s) {
  return s.find('\0') != std::string_view::npos || s.find('\n') != std::string_view::npos;
}

Result<void> add_library_dir(HookOptions& o, std::string_view dir) {
  auto parts = os::path_components(dir);
  if (dir.empty() || dir.front() != '/' || has_control(dir) ||
      std::find(parts.begin(), parts.end(), "..") != parts.end())
    return fail(Errc::invalid_argument, "option `--library-dir " + printable(dir) +
                                            "`: expected an absolute container path without `..`");
  std::string d(dir);
  if (std::find(o.library_dirs.begin(), o.library_dirs.end(), d) == o.library_dirs.end())
    o.library_dirs.push_back(std::move(d));
  return {};
}

Result<void> add_link(HookOptions& o, std::string_view spec) {
  NVRUNC_TRY(link, parse_link(spec));
  o.links.push_back(std::move(link));
  return {};
}

Result<void> set_ldconfig(HookOptions& o, std::string_view path) {
  if (path.empty() || path.front() != '/' || has_control(path))
    return fail(Errc::invalid_argument, "option `--ldconfig " + printable(path) + "`: expected an absolute host path");
  o.ldconfig = path;
  return {};
}

Result<void> no_ldconfig(HookOptions& o, std::string_view) {
  o.run_ldconfig = false;
  return {};
}

Result<void> mask_params(HookOptions& o, std::string_view) {
  o.mask_params = true;
  return {};
}

Result<void> set_params_path(HookOptions& o, std::string_view path) {
  auto parts = os::path_components(path);
  if (path.empty() || path.front() != '/' || has_control(path) || parts.empty() ||
      std::find(parts.begin(), parts.end(), "..") != parts.end())
    return fail(Errc::invalid_argument, "option `--mask-params-path " + printable(path) +
                                            "`: expected an absolute container file path without `..`");
  o.params_path = path;
  return {};
}

Result<void> want_help(HookOptions& o, std::string_view) {
  o.command = Command::help;
  return {};
}

struct OptionRow {
  std::string_view name;
  bool takes_value;
  Result<void> (*apply)(HookOptions&, std::string_view);
};

// The create-container grammar.
constexpr std::array<OptionRow, 8> create_container_options{{
    {"--library-dir", true, add_library_dir},
    {"--link", true, add_link},
    {"--ldconfig", true, set_ldconfig},
    {"--no-ldconfig", false, no_ldconfig},
    {"--mask-params", false, mask_params},
    {"--mask-params-path", true, set_params_path},
    {"--help", false, want_help},
    {"-h", false, want_help},
}};

// Parses one option at args[i]; advances i past a separate value.
Result<void> parse_option(HookOptions& o, const std::vector<std::string>& args, size_t& i) {
  const std::string& arg = args[i];
  auto eq = arg.find('=');
  std::string_view name = std::string_view(arg).substr(0, eq);
  auto row = std::find_if(create_container_options.begin(), create_container_options.end(),
                          [&](const OptionRow& r) { return r.name == name; });
  if (row == create_container_options.end()) {
    o.warnings.push_back("ignoring unknown option `" + printable(name) + "`");
    return {};
  }
  if (!row->takes_value && eq != std::string::npos)
    return fail(Errc::invalid_argument, "option `" + std::string(name) + "` takes no value");
  if (!row->takes_value) return row->apply(o, {});
  if (eq != std::string::npos) return row->apply(o, std::string_view(arg).substr(eq + 1));
  if (i + 1 >= args.size()) return fail(Errc::invalid_argument, "option `" + std::string(name) + "` needs a value");
  return row->apply(o, args[++i]);
}

} // namespace

Result<HookOptions> parse_options(const std::vector<std::string>& args) {
  HookOptions o;
  if (args.empty()) return fail(Errc::invalid_argument, "missing subcommand (try `nvrunc-hook --help`)");
  const std::string& command = args.front();
  o.command_name = command;
  if (command == "--help" || command == "-h" || command == "help") return o;
  if (command == "--version") {
    o.command = Command::version;
    return o;
  }
  if (command != "create-container") {
    o.command = Command::unknown;
    o.warnings.push_back("ignoring unknown subcommand `" + printable(command) + "` (a newer nvrunc wrote this hook?)");
    return o;
  }
  o.command = Command::create_container;
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i].size() < 2 || args[i].front() != '-')
      return fail(Errc::invalid_argument, "unexpected argument `" + printable(args[i]) + "`");
    if (auto r = parse_option(o, args, i); !r) return fail(std::move(r.error()));
  }
  return o;
}

std::string usage() {
  return R"(usage: nvrunc-hook create-container [--library-dir DIR]... [--link LINK=TARGET]...
                                    [--ldconfig PATH] [--no-ldconfig] [--mask-params]

An OCI createContainer hook: runc runs it in the container's mount namespace before pivot_root,
with the OCI state JSON on stdin. It finds the rootfs from the state's `bundle` (config.json
`root.path`) and, working only on descriptors resolved inside the rootfs:

  --link LINK=TARGET   create the symlink LINK (absolute container path) with content TARGET,
                       replacing a file or link atomically (repeatable; failures are warnings)
  --library-dir DIR    list DIR in /etc/ld.so.conf.d/00-nvrunc.conf (repeatable, in order; the
                       64-bit and the 32-bit directory alike) and create /etc/ld.so.conf if the
                       image has none
  --ldconfig PATH      the HOST ldconfig to run chrooted in the rootfs, sandboxed (seccomp,
                       no capabilities but CAP_DAC_OVERRIDE, rlimits, empty env); PATH.real is
                       preferred when it exists; it must be a static ELF (default /sbin/ldconfig)
  --no-ldconfig        do not rebuild /etc/ld.so.cache
  --mask-params        show the container /proc/driver/nvidia/params with `ModifyDeviceFiles: 0`
                       (a read-only in-memory copy mounted over its own procfs file), so NVML
                       never creates or chmods device nodes in it; no file (no driver) or no
                       `ModifyDeviceFiles: 1` line: nothing to do; a mount that fails (kernel
                       < 5.2, no CAP_SYS_ADMIN) is a warning
  --mask-params-path=PATH
                       for testing only: mask PATH (in the container) instead of the params file
  --help               this text; --version: the version

musl images (the rootfs has /etc/alpine-release): the library directories that are missing are
appended to /etc/ld-musl-<arch>.path (created with musl's defaults /lib, /usr/local/lib, /usr/lib
first), since musl's loader reads neither ld.so.conf nor ld.so.cache; the glibc fragment and
ldconfig are skipped, the links are still made (there, only --link makes SONAME links).

Unknown subcommands and options are ignored with a warning (exit 0) so newer specs still start;
options that take a value must then be written --name=value. The hook refuses to run when its
environment holds LD_* or GLIBC_TUNABLES: its hook entry must have an explicit env (CVE-2025-23266).
Success prints nothing; a failure prints one line `nvrunc-hook: ...` and exits 1.
)";
}

} // namespace nvrunc::hook
