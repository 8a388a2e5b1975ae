// nvrunc-ctl mock-driver: builds a simulated GPU node (DESIGN.md §5), so GPU pipelines can be tested
// on machines without GPUs. Values are taken as strings and checked by nvrunc::mock, so every bad
// value gets the same one-line error and exit status 1.
#include <charconv>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "commands.hpp"
#include "nvrunc/mock/mig.hpp"
#include "nvrunc/mock/mock_driver.hpp"

namespace nvrunc::ctl {

namespace {

struct MockDriverOptions {
  mock::NodeSpec spec;
  std::string gpus = "2";
  std::string cuda = "12.4";
  std::string mig;                      // --mig 1,6
  std::vector<std::string> mig_layouts; // --mig-layout 0:1g.10gb,2g.20gb (repeatable)
  bool all_features = false;
  bool dgx = false;
  CLI::Option* gpus_option = nullptr;
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
    "and device nodes; inside, nvidia-smi and NVML see exactly the GPUs the container was given.\n\n"
    "Every node also has what each 5xx driver installs: EGL/Vulkan/OpenCL/X.Org vendor files, the EGL\n"
    "platform libraries, X.Org modules, GSP firmware, and sys/bus/pci/devices/<bus> per GPU.\n\n"
    "MIG: --mig 1,6 enables MIG on GPUs 1 and 6 with the default layout\n"
    "  1g.10gb,1g.10gb,2g.20gb,1c.3g.40gb+2c.3g.40gb (names follow the model's memory); --mig-layout\n"
    "  GPU:LAYOUT sets one GPU's layout, a comma list of GPU instance profiles (1g.10gb 1g.20gb 2g.20gb\n"
    "  3g.40gb 4g.40gb 7g.80gb on an A100 80GB), each one GPU instance with one compute instance, or\n"
    "  compute instances joined by + (1c.3g.40gb+2c.3g.40gb: one 3g GPU instance, two compute\n"
    "  instances). At most 7 MIG devices, 7 compute and 8 memory slices per GPU. The node then has\n"
    "  /dev/nvidia-caps/nvidia-cap<N>, /proc/driver/nvidia/capabilities/..., nvidia-caps/mig-minors,\n"
    "  and NVML, CUDA and nvidia-smi -L show the MIG devices whose capability nodes a process can open.\n\n"
    "--dgx: 8 GPUs, MIG on GPUs 1 and 6 (unless --mig/--mig-layout say otherwise), and every\n"
    "  optional part: --dri --compat32 --persistenced --fabricmanager --mps --all-features.\n\n"
    "mock-driver.json in DIR describes all of it: GPUs, MIG devices and their capability minors,\n"
    "device nodes, libraries, files, sockets.";

Result<int> parse_gpus(const std::string& text) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 1 || value > mock::max_gpus)
    return fail(Errc::invalid_argument,
                "check --gpus `" + text + "`: must be a number from 1 to " + std::to_string(mock::max_gpus));
  return value;
}

void print_features(const mock::NodeFeatures& f) {
  const std::pair<bool, const char*> names[] = {{f.dri, "dri"}, {f.compat32, "compat32"}, {f.persistenced, "persistenced"},
                                                {f.fabricmanager, "fabricmanager"}, {f.mps, "mps"}, {f.gds, "gds"},
                                                {f.mofed, "mofed"}, {f.nvswitch, "nvswitch"}, {f.gdrcopy, "gdrcopy"}};
  std::string list;
  for (const auto& [on, name] : names)
    if (on) list += std::string(list.empty() ? "" : ", ") + name;
  if (!list.empty()) std::fprintf(stderr, "  features: %s\n", list.c_str());
}

void print_summary(const mock::NodeReport& report) {
  const auto& gpus = report.gpus;
  std::fprintf(stderr, "nvrunc-ctl: built a simulated GPU node in %s\n", report.root.c_str());
  std::fprintf(stderr, "  driver %s, CUDA %s, %zu x %s, nvidia-uvm major %u\n", report.driver_version.c_str(),
               mock::format_cuda_version(report.cuda_version).c_str(), gpus.size(),
               gpus.empty() ? "" : gpus.front().model.name.c_str(), report.uvm_major);
  for (const auto& gpu : gpus) {
    std::fprintf(stderr, "  GPU %u: %s, minor %u, %s%s\n", gpu.index, gpu.uuid.c_str(), gpu.minor,
                 gpu.bus_id().c_str(), gpu.mig_enabled ? ", MIG enabled" : "");
    for (const auto& d : gpu.mig)
      std::fprintf(stderr, "    MIG %-11s Device %2u: %s, gi %u ci %u, caps %u/%u\n", d.profile.c_str(), d.index,
                   d.uuid.c_str(), d.gi, d.ci, d.gi_cap, d.ci_cap);
  }
  std::fprintf(stderr, "  %zu libraries in %s/usr/lib/x86_64-linux-gnu, nvidia-smi in %s/usr/bin\n",
               report.libraries.size(), report.root.c_str(), report.root.c_str());
  if (!report.libraries32.empty())
    std::fprintf(stderr, "  %zu 32-bit libraries in %s/usr/lib/i386-linux-gnu\n", report.libraries32.size(),
                 report.root.c_str());
  print_features(report.features);
  std::fprintf(stderr, "Point nvrunc at it with:\nexport NVRUNC_CONFIG=%s\n", report.config_path.c_str());
}

Result<void> collect_mig(MockDriverOptions& options) {
  if (!options.mig.empty()) {
    NVRUNC_TRY(requests, mock::parse_mig_gpus(options.mig));
    options.spec.mig = std::move(requests);
  }
  for (const auto& text : options.mig_layouts) {
    NVRUNC_TRY(request, mock::parse_mig_layout(text));
    options.spec.mig.push_back(std::move(request));
  }
  return {};
}

Result<mock::NodeReport> build(MockDriverOptions& options) {
  NVRUNC_TRY(gpus, parse_gpus(options.gpus));
  NVRUNC_TRY(cuda, mock::parse_cuda_version(options.cuda));
  if (auto collected = collect_mig(options); !collected) return fail(std::move(collected.error()));
  auto& spec = options.spec;
  const bool own_mig = !spec.mig.empty();
  if (options.dgx) mock::apply_dgx_preset(spec);
  if (!options.dgx || options.gpus_option->count() > 0) spec.gpus = gpus;
  if (options.dgx && !own_mig) // the preset's MIG GPUs that a smaller --gpus leaves out are dropped
    std::erase_if(spec.mig, [&](const mock::MigRequest& r) { return r.gpu >= unsigned(spec.gpus); });
  if (options.all_features)
    spec.features.gds = spec.features.mofed = spec.features.nvswitch = spec.features.gdrcopy = true;
  spec.cuda_version = cuda;
  return mock::build_node(spec);
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

// The options for MIG and the optional parts of a node.
void add_node_parts(CLI::App& cmd, MockDriverOptions& options) {
  cmd.add_option("--mig", options.mig, "Enable MIG with the default layout on these GPUs (e.g. 1,6)")
      ->type_name("GPUS");
  cmd.add_option("--mig-layout", options.mig_layouts, "Enable MIG on GPU with LAYOUT (repeatable; see below)")
      ->type_name("GPU:LAYOUT")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  auto& f = options.spec.features;
  cmd.add_flag("--dri", f.dri, "DRM nodes dev/dri/card*, renderD*, by-path links and their sysfs entries");
  cmd.add_flag("--compat32", f.compat32, "32-bit libraries in usr/lib/i386-linux-gnu, in the ld.so.cache");
  cmd.add_flag("--persistenced", f.persistenced, "The socket run/nvidia-persistenced/socket");
  cmd.add_flag("--fabricmanager", f.fabricmanager, "The socket run/nvidia-fabricmanager/socket");
  cmd.add_flag("--mps", f.mps, "The MPS pipe directory tmp/nvidia-mps");
  cmd.add_flag("--gds", f.gds, "GPUDirect Storage: dev/nvidia-fs*, etc/cufile.json, run/udev");
  cmd.add_flag("--mofed", f.mofed, "MOFED: dev/infiniband/uverbs0, uverbs1, rdma_cm");
  cmd.add_flag("--nvswitch", f.nvswitch, "NVSwitch: dev/nvidia-nvswitchctl, nvidia-nvswitch<N>, nv-fabricmanager");
  cmd.add_flag("--gdrcopy", f.gdrcopy, "GDRCopy: dev/gdrdrv");
  cmd.add_flag("--all-features", options.all_features, "--gds --mofed --nvswitch --gdrcopy");
  cmd.add_flag("--dgx", options.dgx, "8-GPU preset with MIG on GPUs 1 and 6 and every optional part");
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
  options->gpus_option =
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
  add_node_parts(*cmd, *options);
  cmd->add_flag("--force", spec.force, "Replace the simulated node already in DIR (never other content)");
  cmd->callback([options, &exit_code] { exit_code = run_mock_driver(*options); });
}

} // namespace nvrunc::ctl
