// The hook's command line, as a table (the shim and `nvrunc-ctl cdi generate` emit it):
//
//   nvrunc-hook create-container [--library-dir DIR]... [--link LINK=TARGET]...
//                                [--ldconfig PATH] [--no-ldconfig] [--mask-params]
//                                [--mask-params-path=PATH]
//
// `--mask-params-path` is for tests only (runc refuses bind mounts under /proc, so a manual check
// against real runc needs another target); production specs never carry it.
//
// Values are given as `--name value` or `--name=value`. Forward compatibility, as NVIDIA's hooks do
// it: an unknown subcommand is a warning and exit 0, and an unknown option is a warning and is
// ignored, so a spec written by a newer nvrunc still starts with an older hook. An unknown option
// never consumes the next word, so future options that take a value must be emitted as --name=value.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "nvrunc/common/error.hpp"
#include "nvrunc/hook/links.hpp"
#include "nvrunc/hook/params.hpp"

namespace nvrunc::hook {

enum class Command { create_container, help, version, unknown };

inline constexpr std::string_view default_ldconfig = "/sbin/ldconfig";

struct HookOptions {
  Command command = Command::help;
  std::string command_name;               // as written (for the unknown-subcommand warning)
  std::vector<std::string> library_dirs;  // in order, duplicates dropped
  std::vector<Link> links;
  std::string ldconfig{default_ldconfig};
  bool run_ldconfig = true;
  bool mask_params = false;               // show the container `ModifyDeviceFiles: 0`
  std::string params_path{driver_params_path}; // container path of the params file (testing)
  std::vector<std::string> warnings;      // ignored options, unknown subcommand
};

// Parses the arguments after argv[0]. Errors are Errc::invalid_argument with a one-line message.
Result<HookOptions> parse_options(const std::vector<std::string>& args);

// The --help text.
std::string usage();

} // namespace nvrunc::hook
