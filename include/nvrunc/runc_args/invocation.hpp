// The runc command-line grammar, parsed once (DESIGN.md §2, reference runc-oci-cdi-peers.md §A.1-A.3).
//
// parse() never fails: nvrunc must hand any argv, even one runc will reject, to runc unchanged so
// that the caller sees runc's own error. What we cannot interpret is reported in `problem`, and the
// shim then passes the call through without touching the bundle.
//
// Grammar facts that matter (urfave/cli v1 as used by runc <= 1.5):
// - `-flag` and `--flag` are the same; values are `--flag value` or `--flag=value`.
// - Global flags come before the command. Value-taking ones: --root --log --log-format --rootless
//   (--criu in old releases); every other global flag is boolean and never consumes the next word.
// - Command flags may follow the container id ("create myid --bundle /b" works); `--` ends flags.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

namespace nvrunc::runc_args {

enum class LogFormat { text, json };

struct Invocation {
  std::vector<std::string> argv; // verbatim, argv[0] included
  std::string command;           // "" when argv has no command (e.g. `nvrunc --version`)
  // Global flags that the shim itself honours.
  std::optional<std::string> root;
  std::optional<std::string> log;
  LogFormat log_format = LogFormat::text;
  bool debug = false;
  bool version = false; // --version / -v before any command
  bool help = false;    // --help / -h before any command
  // For create/run: the bundle as given ("" = the working directory) and the container id.
  std::string bundle;
  std::string container_id;
  // Why the argv could not be fully interpreted ("" when it could).
  std::string problem;

  // create and run are the only commands that read config.json before a container exists.
  bool modifies_spec() const { return command == "create" || command == "run"; }
};

Invocation parse(std::span<const std::string> argv);
Invocation parse(int argc, const char* const* argv);

} // namespace nvrunc::runc_args
