// MIG layouts of the simulated node: parsing, placement, ids, capability numbering (mig.hpp).
#include "nvrunc/mock/mig.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>

#include "ids.hpp"
#include "nvrunc/common/strings.hpp"

namespace nvrunc::mock {

namespace {

// A GPU instance profile: compute slices and memory slices.
struct GiShape {
  unsigned g = 0, mem = 0;
};

constexpr std::array<GiShape, 6> gi_shapes = {{{1, 1}, {1, 2}, {2, 2}, {3, 4}, {4, 4}, {7, 8}}};

// One GPU instance of a layout: its profile, the compute slices of its CIs (one CI using all of it
// when `split` is false), then where it was placed.
struct GiPlan {
  GiShape shape;
  std::string name; // "3g.40gb"
  bool split = false;
  std::vector<unsigned> cis;
  unsigned start = 0, id = 0;
};

Result<void> invalid(const std::string& message) { return fail(Errc::invalid_argument, message); }

unsigned memory_index(unsigned mem) { return mem == 1 ? 0 : mem == 2 ? 1 : mem == 4 ? 2 : 3; }

std::string shape_name(const GpuModel& model, GiShape shape) {
  return std::to_string(shape.g) + "g." + model.mig_memory[memory_index(shape.mem)];
}

std::string known_profiles(const GpuModel& model) {
  std::vector<std::string> names;
  for (auto shape : gi_shapes) names.push_back(shape_name(model, shape));
  return join(names, ", ");
}

Result<GiShape> find_shape(const GpuModel& model, std::string_view name) {
  for (auto shape : gi_shapes)
    if (shape_name(model, shape) == name) return shape;
  return fail(Errc::invalid_argument, "MIG profile `" + std::string(name) + "`: " + model.name +
                                          " has the GPU instance profiles " + known_profiles(model));
}

std::optional<unsigned> to_number(std::string_view text) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// "2c.3g.40gb" -> (2, "3g.40gb"); nullopt when `part` has no "<c>c." prefix.
std::optional<std::pair<unsigned, std::string_view>> split_ci(std::string_view part) {
  auto dot = part.find("c.");
  if (dot == std::string_view::npos || dot == 0) return std::nullopt;
  auto c = to_number(part.substr(0, dot));
  if (!c) return std::nullopt;
  return std::make_pair(*c, part.substr(dot + 2));
}

Result<GiPlan> parse_entry(const GpuModel& model, std::string_view entry) {
  GiPlan gi;
  auto parts = split(entry, '+');
  if (parts.size() == 1 && !split_ci(parts[0])) {
    NVRUNC_TRY(shape, find_shape(model, parts[0]));
    gi.shape = shape;
    gi.name = std::string(parts[0]);
    gi.cis = {shape.g};
    return gi;
  }
  gi.split = true;
  for (auto part : parts) {
    auto ci = split_ci(part);
    if (!ci) return fail(Errc::invalid_argument, "MIG entry `" + std::string(entry) +
                                                     "`: join compute instances as <c>c.<profile>+<c>c.<profile>");
    NVRUNC_TRY(shape, find_shape(model, ci->second));
    if (!gi.name.empty() && gi.name != ci->second)
      return fail(Errc::invalid_argument, "MIG entry `" + std::string(entry) + "`: joined compute instances "
                                                                                     "must name one GPU instance profile");
    if (ci->first == 0 || ci->first >= shape.g)
      return fail(Errc::invalid_argument, "MIG profile `" + std::string(part) + "`: a compute instance takes 1 to " +
                                              std::to_string(shape.g - 1) + " of its GPU instance's slices");
    gi.shape = shape;
    gi.name = std::string(ci->second);
    gi.cis.push_back(ci->first);
  }
  unsigned used = 0;
  for (unsigned c : gi.cis) used += c;
  if (used > gi.shape.g)
    return fail(Errc::invalid_argument, "MIG entry `" + std::string(entry) + "`: its compute instances need " +
                                            std::to_string(used) + " slices, " + gi.name + " has " +
                                            std::to_string(gi.shape.g));
  return gi;
}

// Placements in the order the search tries them: highest first for GIs of several memory slices,
// lowest first for single-slice ones (what the driver picks, as seen in NVIDIA's examples).
std::vector<unsigned> placements(GiShape shape) {
  if (shape.mem == 8 || shape.g == 4) return {0};
  if (shape.mem == 4) return {4, 0};
  if (shape.mem == 2) return shape.g == 2 ? std::vector<unsigned>{4, 2, 0} : std::vector<unsigned>{6, 4, 2, 0};
  return {0, 1, 2, 3, 4, 5, 6};
}

unsigned gi_id(GiShape shape, unsigned start) {
  if (shape.mem == 8) return 0;
  if (shape.mem == 4) return 1 + start / 4;
  if (shape.mem == 2) return 3 + start / 2;
  return 7 + start;
}

bool place(std::vector<GiPlan*>& gis, size_t next, unsigned used) {
  if (next == gis.size()) return true;
  GiPlan& gi = *gis[next];
  for (unsigned start : placements(gi.shape)) {
    unsigned mask = ((1u << gi.shape.mem) - 1) << start;
    if (used & mask) continue;
    gi.start = start;
    gi.id = gi_id(gi.shape, start);
    if (place(gis, next + 1, used | mask)) return true;
  }
  return false;
}

Result<void> place_all(std::vector<GiPlan>& gis, const std::string& what) {
  unsigned slices = 0, devices = 0;
  for (const auto& gi : gis) slices += gi.shape.g, devices += unsigned(gi.cis.size());
  if (slices > 7) return invalid("check " + what + ": " + std::to_string(slices) + " compute slices, a GPU has 7");
  if (devices > mig_max_devices)
    return invalid("check " + what + ": " + std::to_string(devices) + " MIG devices, a GPU holds at most 7");
  std::vector<GiPlan*> order;
  for (auto& gi : gis) order.push_back(&gi);
  std::stable_sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->shape.mem > b->shape.mem; });
  if (!place(order, 0, 0)) return invalid("check " + what + ": the GPU instances do not fit the GPU's memory slices");
  return {};
}

std::vector<MigDevice> make_devices(const Gpu& gpu, const std::vector<GiPlan>& gis, const std::string& seed) {
  std::vector<MigDevice> devices;
  for (const auto& gi : gis) {
    for (unsigned k = 0; k < gi.cis.size(); ++k) {
      MigDevice d;
      d.gi = gi.id;
      d.ci = k;
      d.gi_profile = gi.name;
      d.profile = gi.split ? std::to_string(gi.cis[k]) + "c." + gi.name : gi.name;
      d.gi_slices = gi.shape.g;
      d.ci_slices = gi.cis[k];
      d.memory_slices = gi.shape.mem;
      d.placement = gi.start;
      d.memory_mib = gpu.model.memory_mib / 8 * gi.shape.mem;
      d.gi_cap = mig_gi_minor(gpu.minor, d.gi);
      d.ci_cap = mig_ci_minor(gpu.minor, d.gi, d.ci);
      d.uuid = detail::hashed_uuid("MIG", "nvrunc-mock-mig:" + seed + ":" + std::to_string(gpu.index) + ":" +
                                              std::to_string(d.gi) + ":" + std::to_string(d.ci), true);
      devices.push_back(std::move(d));
    }
  }
  std::sort(devices.begin(), devices.end(), [](const MigDevice& a, const MigDevice& b) {
    return a.gi != b.gi ? a.gi < b.gi : a.ci < b.ci;
  });
  for (unsigned i = 0; i < devices.size(); ++i) devices[i].index = i;
  return devices;
}

} // namespace

unsigned mig_gi_minor(unsigned gpu_minor, unsigned gi) { return 3 + gpu_minor * 135 + gi * 9; }
unsigned mig_ci_minor(unsigned gpu_minor, unsigned gi, unsigned ci) { return mig_gi_minor(gpu_minor, gi) + 1 + ci; }

Result<std::vector<MigRequest>> parse_mig_gpus(const std::string& text) {
  std::vector<MigRequest> out;
  for (auto field : split(text, ',')) {
    auto gpu = to_number(trim(field));
    if (!gpu) return fail(Errc::invalid_argument, "check --mig `" + text + "`: must be GPU indexes like 1,6");
    for (const auto& r : out)
      if (r.gpu == *gpu) return fail(Errc::invalid_argument, "check --mig `" + text + "`: GPU " + std::to_string(*gpu) +
                                                                 " is listed twice");
    out.push_back({*gpu, ""});
  }
  return out;
}

Result<MigRequest> parse_mig_layout(const std::string& text) {
  auto colon = text.find(':');
  auto gpu = colon == std::string::npos ? std::nullopt : to_number(std::string_view(text).substr(0, colon));
  if (!gpu || colon + 1 >= text.size())
    return fail(Errc::invalid_argument,
                "check --mig-layout `" + text + "`: must be GPU:PROFILE[,PROFILE...], like 0:1g.10gb,2g.20gb");
  return MigRequest{*gpu, text.substr(colon + 1)};
}

std::string default_mig_layout(const GpuModel& model) {
  const std::string small = shape_name(model, {1, 1}), three = shape_name(model, {3, 4});
  return small + "," + small + "," + shape_name(model, {2, 2}) + ",1c." + three + "+2c." + three;
}

Result<void> plan_mig(Gpu& gpu, const std::string& layout, const std::string& uuid_seed) {
  const std::string what = "--mig for GPU " + std::to_string(gpu.index);
  if (!gpu.model.mig_capable) return invalid("check " + what + ": " + gpu.model.name + " has no MIG");
  if (gpu.minor >= mig_max_gpus)
    return invalid("check " + what + ": the driver numbers MIG capabilities for GPU minors below 32 only");
  const std::string text = layout.empty() ? default_mig_layout(gpu.model) : layout;
  std::vector<GiPlan> gis;
  for (auto entry : split(text, ',')) {
    NVRUNC_TRY(gi, with_context(parse_entry(gpu.model, trim(entry)), "check " + what));
    gis.push_back(std::move(gi));
  }
  if (auto placed = place_all(gis, what + " `" + text + "`"); !placed) return placed;
  gpu.mig_enabled = true;
  gpu.mig = make_devices(gpu, gis, uuid_seed);
  return {};
}

std::string mig_minors_file() {
  std::string text = "config 1\nmonitor 2\n";
  text.reserve(160 * 1024);
  for (unsigned g = 0; g < mig_max_gpus; ++g) {
    const std::string gpu = "gpu" + std::to_string(g);
    for (unsigned i = 0; i < mig_max_gis; ++i) {
      const std::string gi = gpu + "/gi" + std::to_string(i);
      text += gi + "/access " + std::to_string(mig_gi_minor(g, i)) + "\n";
      for (unsigned c = 0; c < mig_max_cis; ++c)
        text += gi + "/ci" + std::to_string(c) + "/access " + std::to_string(mig_ci_minor(g, i, c)) + "\n";
    }
  }
  return text;
}

std::string mig_cap_file(unsigned minor, unsigned mode) {
  return "DeviceFileMinor: " + std::to_string(minor) + "\nDeviceFileMode: " + std::to_string(mode) +
         "\nDeviceFileModify: 1\n";
}

} // namespace nvrunc::mock
