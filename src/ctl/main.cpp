// nvrunc-ctl: the operator's tool (simulated GPU nodes, inventory, explain).
#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>

#include "commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"nvrunc-ctl: operate nvrunc, the GPU container runtime (simulated nodes, inventory, explain)",
               "nvrunc-ctl"};
  app.set_version_flag("--version", std::string("nvrunc-ctl version ") + NVRUNC_VERSION);
  app.require_subcommand(1);
  int exit_code = 0;
  nvrunc::ctl::register_mock_driver(app, exit_code);
  nvrunc::ctl::register_info(app, exit_code);
  nvrunc::ctl::register_explain(app, exit_code);
  nvrunc::ctl::register_cdi(app, exit_code);
  nvrunc::ctl::register_runtime(app, exit_code);
  nvrunc::ctl::register_doctor(app, exit_code);
  nvrunc::ctl::register_nvml_facts(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nvrunc-ctl: internal error: %s\n", e.what());
    return 1;
  }
  return exit_code;
}
