// nvrunc-ctl mock-driver: builds a simulated GPU node (DESIGN.md §5), so GPU pipelines can be tested
// on machines without GPUs. Values are taken as strings and checked by nvrunc::mock, so every bad
// value gets the same one-line error and exit status 1.
#include <charconv>
#include <cstdio>
#include <memory>
#include <string>

#include "commands.hpp"
#include "nvrunc/mock/mock_driver.hpp"

namespace nvrunc::ctl {

namespace {

struct MockDriverOptions {
  mock::NodeSpec spec;
  std::string gpus = "2";
  std::string cuda = "12.4";
};

constexpr const char* summary = "Build a simulated GPU node, to test GPU containers on machines without GPUs";

constexpr const char* footer =
    "Builds under DIR: NVIDIA device nodes (opening them gives ENXIO), driver libraries with real\n"
    "SONAMEs (libnvidia-ml and libcuda answer NVML and CUDA device queries), nvidia-smi,\n"
    "/proc/driver/nvidia files, an ld.so.cache made by the host's ldconfig, and DIR/config.toml,\n"
    "with which nvrunc uses the node as this host's driver. Needs root (it creates device nodes).\n\n"
    "Example:\n"
    "  sudo nvrunc-ctl mock-driver --root /var/lib/nvrunc-mock --gpus 4\n"
    "  export NVRUNC_CONFIG=/var/lib/nvrunc-mock/config.toml\n"
    "  /var/lib/nvrunc-mock/usr/bin/nvidia-smi -L\n\n"
    "Containers run through nvrunc with NVIDIA_VISIBLE_DEVICES then get the node's libraries, binaries\n"
    "and device nodes; inside, nvidia-smi and NVML see exactly the GPUs the container was given.";

Result<int> parse_gpus(const std::string& text) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 1 || value > mock::max_gpus)
    return fail(Errc::invalid_argument,
                "check --gpus `" + text + "`: must be a number from 1 to " + std::to_string(mock::max_gpus));
  return value;
}

void print_summary(const mock::NodeReport& report) {
  const auto& gpus = report.gpus;
  std::fprintf(stderr, "nvrunc-ctl: built a simulated GPU node in %s\n", report.root.c_str());
  std::fprintf(stderr, "  driver %s, CUDA %s, %zu x %s, nvidia-uvm major %u\n", report.driver_version.c_str(),
               mock::format_cuda_version(report.cuda_version).c_str(), gpus.size(),
               gpus.empty() ? "" : gpus.front().model.name.c_str(), report.uvm_major);
  for (const auto& gpu : gpus)
    std::fprintf(stderr, "  GPU %u: %s, minor %u, %s\n", gpu.index, gpu.uuid.c_str(), gpu.minor,
                 gpu.bus_id().c_str());
  std::fprintf(stderr, "  %zu libraries in %s/usr/lib/x86_64-linux-gnu, nvidia-smi in %s/usr/bin\n",
               report.libraries.size(), report.root.c_str(), report.root.c_str());
  std::fprintf(stderr, "Point nvrunc at it with:\nexport NVRUNC_CONFIG=%s\n", report.config_path.c_str());
}

Result<mock::NodeReport> build(MockDriverOptions& options) {
  NVRUNC_TRY(gpus, parse_gpus(options.gpus));
  NVRUNC_TRY(cuda, mock::parse_cuda_version(options.cuda));
  options.spec.gpus = gpus;
  options.spec.cuda_version = cuda;
  return mock::build_node(options.spec);
}

int run_mock_driver(MockDriverOptions& options) {
  auto report = build(options);
  if (!report) {
    std::fprintf(stderr, "nvrunc-ctl: mock-driver: %s\n", report.error().what().c_str());
    return 1;
  }
  print_summary(*report);
  return 0;
}

} // namespace

void register_mock_driver(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<MockDriverOptions>();
  auto& spec = options->spec;
  auto* cmd = app.add_subcommand("mock-driver", summary);
  cmd->footer(footer);
  cmd->add_option("--root", spec.root, "Directory of the node (created; an existing node needs --force)")
      ->required()
      ->type_name("DIR");
  cmd->add_option("--gpus", options->gpus, "Number of GPUs, 1 to 64")->type_name("N")->capture_default_str();
  cmd->add_option("--driver-version", spec.driver_version, "Driver version: library suffix, NVML and /proc")
      ->type_name("V")
      ->capture_default_str();
  cmd->add_option("--cuda-version", options->cuda, "CUDA driver version reported by NVML and libcuda")
      ->type_name("X.Y")
      ->capture_default_str();
  cmd->add_option("--model", spec.model, "GPU name, e.g. \"NVIDIA H100 80GB HBM3\", \"NVIDIA H200\", \"Tesla T4\"")
      ->type_name("NAME")
      ->capture_default_str();
  cmd->add_option("--uuid-seed", spec.uuid_seed, "Vary the (deterministic) GPU UUIDs")->type_name("TEXT");
  cmd->add_flag("--force", spec.force, "Replace the simulated node already in DIR (never other content)");
  cmd->callback([options, &exit_code] { exit_code = run_mock_driver(*options); });
}

} // namespace nvrunc::ctl
