// Running an engine's own tool (`containerd config dump`) or a test container, and reading what it
// printed. The program inherits the environment (NVRUNC_CONFIG must reach nvrunc when doctor starts a
// container); it is killed when it runs past the timeout.
#pragma once

#include <string>
#include <vector>

#include "nvrunc/common/error.hpp"

namespace nvrunc::engine {

struct CommandResult {
  int exit_code = -1;   // -1 when it was killed by a signal (or the timeout)
  bool timed_out = false;
  std::string out, err; // stdout and stderr, each capped at 16 MiB
};

// argv[0] is looked up in $PATH when it has no '/'. Fails only when the program cannot be started
// (Errc::not_found when it does not exist); a non-zero exit is a CommandResult.
Result<CommandResult> run_command(const std::vector<std::string>& argv, int timeout_ms);

// The first line of `text`, trimmed (for one-line error messages).
std::string first_line(const std::string& text);

} // namespace nvrunc::engine
