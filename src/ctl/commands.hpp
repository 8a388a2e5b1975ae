// nvrunc-ctl subcommands. Each registers itself on the CLI11 app; when it runs it stores the
// process exit code in `exit_code`. Machine output goes to stdout (or --output), people-facing
// text and errors to stderr.
#pragma once

#include <CLI/CLI.hpp>

namespace nvrunc::ctl {

void register_mock_driver(CLI::App& app, int& exit_code);
void register_info(CLI::App& app, int& exit_code);
void register_explain(CLI::App& app, int& exit_code);
void register_cdi(CLI::App& app, int& exit_code);
void register_runtime(CLI::App& app, int& exit_code);
void register_doctor(CLI::App& app, int& exit_code);
void register_nvml_facts(CLI::App& app, int& exit_code);

} // namespace nvrunc::ctl
