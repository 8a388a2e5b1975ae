// The GPUs of a simulated node: models, deterministic identities, MIG requests, spec validation.
#include <array>
#include <cstdint>
#include <cstdio>

#include "ids.hpp"
#include "nvrunc/common/strings.hpp"
#include "nvrunc/mock/mig.hpp"
#include "nvrunc/mock/mock_driver.hpp"

namespace nvrunc::mock {

namespace {

// Real values (nvidia-smi -q, NVML) of a few data-center models.
const std::array<GpuModel, 6>& model_table() {
  static const std::array<GpuModel, 6> table = {{
      {"NVIDIA A100-SXM4-80GB", 0x20b210de, 0x147f10de, 14, 8, 0, 81920, 400, true, "92.00.36.00.02",
       {"10gb", "20gb", "40gb", "80gb"}},
      {"NVIDIA A100-SXM4-40GB", 0x20b010de, 0x134f10de, 14, 8, 0, 40960, 400, true, "92.00.19.00.01",
       {"5gb", "10gb", "20gb", "40gb"}},
      {"NVIDIA H100 80GB HBM3", 0x233010de, 0x16c110de, 14, 9, 0, 81559, 700, true, "96.00.30.00.01",
       {"10gb", "20gb", "40gb", "80gb"}},
      {"NVIDIA H200", 0x233510de, 0x18bf10de, 14, 9, 0, 143771, 700, true, "96.00.a5.00.1a",
       {"18gb", "35gb", "71gb", "141gb"}},
      {"NVIDIA L4", 0x27b810de, 0x16ca10de, 14, 8, 9, 23034, 72, false, "95.04.29.00.06"},
      {"Tesla T4", 0x1eb810de, 0x12a210de, 2, 7, 5, 15360, 70, false, "90.04.38.00.03"},
  }};
  return table;
}

// The PCI buses of the eight GPUs of a DGX A100/H100; GPUs past eight go to further PCI domains.
constexpr std::array<unsigned, 8> dgx_buses = {0x07, 0x0f, 0x47, 0x4e, 0x87, 0x90, 0xb7, 0xbd};

std::string make_uuid(const std::string& seed, unsigned index) {
  return detail::hashed_uuid("GPU", "nvrunc-mock-gpu:" + seed + ":" + std::to_string(index), false);
}

bool printable(const std::string& text) {
  for (unsigned char c : text)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
}

bool is_version(const std::string& text) {
  for (auto part : split(text, '.'))
    if (!is_digits(part)) return false;
  return !text.empty();
}

Result<void> invalid(const std::string& message) { return fail(Errc::invalid_argument, message); }

} // namespace

std::string Gpu::bus_id() const {
  char text[32];
  std::snprintf(text, sizeof text, "%08x:%02x:00.0", domain, bus);
  return text;
}

std::string Gpu::proc_bus_id() const {
  char text[32];
  std::snprintf(text, sizeof text, "%04x:%02x:00.0", domain, bus);
  return text;
}

GpuModel lookup_model(const std::string& name) {
  for (const auto& model : model_table())
    if (iequals(model.name, name)) return model;
  GpuModel model = model_table().front();
  model.name = name;
  return model;
}

std::vector<Gpu> plan_gpus(const NodeSpec& spec) {
  std::vector<Gpu> gpus;
  const GpuModel model = lookup_model(spec.model);
  for (int i = 0; i < spec.gpus; ++i) {
    Gpu gpu;
    gpu.index = gpu.minor = unsigned(i);
    gpu.uuid = make_uuid(spec.uuid_seed, gpu.index);
    gpu.domain = gpu.index / dgx_buses.size();
    gpu.bus = dgx_buses[gpu.index % dgx_buses.size()];
    gpu.model = model;
    gpus.push_back(std::move(gpu));
  }
  return gpus;
}

Result<std::vector<Gpu>> plan_node_gpus(const NodeSpec& spec) {
  auto gpus = plan_gpus(spec);
  for (size_t i = 0; i < spec.mig.size(); ++i) {
    const MigRequest& request = spec.mig[i];
    for (size_t j = 0; j < i; ++j)
      if (spec.mig[j].gpu == request.gpu)
        return fail(Errc::invalid_argument, "check --mig: GPU " + std::to_string(request.gpu) + " is given twice");
    if (request.gpu >= gpus.size())
      return fail(Errc::invalid_argument, "check --mig: GPU " + std::to_string(request.gpu) + " does not exist (" +
                                              std::to_string(gpus.size()) + " GPUs)");
    if (auto planned = plan_mig(gpus[request.gpu], request.layout, spec.uuid_seed); !planned)
      return fail(std::move(planned.error()));
  }
  return gpus;
}

void apply_dgx_preset(NodeSpec& spec) {
  spec.gpus = 8;
  if (spec.mig.empty()) spec.mig = {{1, ""}, {6, ""}};
  spec.features.dri = spec.features.compat32 = true;
  spec.features.persistenced = spec.features.fabricmanager = spec.features.mps = true;
  spec.features.gds = spec.features.mofed = spec.features.nvswitch = spec.features.gdrcopy = true;
}

Result<void> validate(const NodeSpec& spec) {
  if (spec.root.empty() || spec.root.find_first_of(std::string("\n\0", 2)) != std::string::npos)
    return invalid("check --root: must be a directory path without newlines");
  if (spec.gpus < 1 || spec.gpus > max_gpus)
    return invalid("check --gpus `" + std::to_string(spec.gpus) + "`: must be 1 to " + std::to_string(max_gpus));
  if (!is_version(spec.driver_version) || spec.driver_version.size() > 31)
    return invalid("check --driver-version `" + spec.driver_version + "`: must be digits and dots, like 550.54.15");
  if (spec.cuda_version < 1000 || spec.cuda_version > 99990)
    return invalid("check --cuda-version `" + std::to_string(spec.cuda_version) + "`: out of range");
  if (spec.model.empty() || spec.model.size() > 95 || !printable(spec.model))
    return invalid("check --model `" + spec.model + "`: must be 1 to 95 printable ASCII characters");
  if (spec.uuid_seed.size() > 64 || !printable(spec.uuid_seed))
    return invalid("check --uuid-seed: must be at most 64 printable ASCII characters");
  if (auto gpus = plan_node_gpus(spec); !gpus) return fail(std::move(gpus.error()));
  return {};
}

Result<int> parse_cuda_version(const std::string& text) {
  auto parts = split(text, '.');
  if (parts.size() != 2 || !is_digits(parts[0]) || !is_digits(parts[1]) || parts[0].size() > 2 ||
      parts[1].size() > 2 || parts[0] == "0")
    return fail(Errc::invalid_argument, "check --cuda-version `" + text + "`: must be MAJOR.MINOR, like 12.4");
  return std::stoi(std::string(parts[0])) * 1000 + std::stoi(std::string(parts[1])) * 10;
}

std::string format_cuda_version(int version) {
  return std::to_string(version / 1000) + "." + std::to_string((version % 1000) / 10);
}

} // namespace nvrunc::mock
