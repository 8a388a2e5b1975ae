#include "internal.hpp"
#include "nvrunc/common/strings.hpp"

namespace nvrunc::plan::detail {

namespace {

using discover::DeviceNode;

// "/" + "/dev/nvidia0" -> "/dev/nvidia0"; "/mock/" + "/dev/nvidia0" -> "/mock/dev/nvidia0".
std::string under(const std::string& root, const std::string& path) {
  std::string r = root;
  while (!r.empty() && r.back() == '/') r.pop_back();
  return r + path;
}

class NodeList {
public:
  NodeList(std::vector<edits::DeviceNode>& out, std::string dev_root) : m_out(out), m_dev_root(std::move(dev_root)) {}

  Result<void> add(const DeviceNode& node, const std::string& reason) {
    if (!node.problem.empty()) return fail(Errc::driver_missing, node.problem);
    for (const auto& e : m_out)
      if (e.path == node.path) return {}; // a GI capability shared by several MIG devices
    edits::DeviceNode e;
    e.path = node.path;
    e.host_path = under(m_dev_root, node.path);
    e.type = node.type;
    e.major = node.major;
    e.minor = node.minor;
    e.file_mode = node.mode;
    e.uid = node.uid;
    e.gid = node.gid;
    e.reason = reason;
    m_out.push_back(std::move(e));
    return {};
  }
  Result<void> add(const std::optional<DeviceNode>& node, const std::string& reason) {
    return node ? add(*node, reason) : Result<void>{};
  }

private:
  std::vector<edits::DeviceNode>& m_out;
  std::string m_dev_root;
};

std::string gpu_label(const discover::Gpu& g) { return "GPU " + std::to_string(g.index) + " " + g.uuid; }

Result<void> gpu_nodes(const request::Request& req, const Plan& plan, NodeList& nodes) {
  const bool drm = req.capabilities.has(Capability::graphics) || req.capabilities.has(Capability::display);
  for (const auto* gpu : plan.gpus) {
    // runc would create the node from its numbers alone: a GPU whose node is gone (hot-unplugged,
    // driver being reloaded) must not be handed out as if it were there.
    if (!gpu->node.on_host)
      return fail(Errc::driver_missing, "device node `" + gpu->node.path + "` of " + gpu_label(*gpu) +
                                            " does not exist on this node: the GPU is gone or its node was never "
                                            "created (nvidia-modprobe -c " + std::to_string(gpu->minor) + ")");
    if (auto r = nodes.add(gpu->node, gpu_label(*gpu) + " (" + req.source + ")"); !r) return r;
    if (!drm) continue;
    for (const auto& n : gpu->drm)
      if (auto r = nodes.add(n, "DRM node of " + gpu_label(*gpu) + " (capability graphics/display)"); !r) return r;
  }
  for (const auto& m : plan.mig) {
    const std::string what = "MIG device " + m.id + " (GI " + std::to_string(m.instance->gi) + ", CI " +
                             std::to_string(m.instance->ci) + " of " + gpu_label(*m.gpu) + ")";
    if (auto r = nodes.add(m.instance->gi_cap, "GPU instance access of " + what); !r) return r;
    if (auto r = nodes.add(m.instance->ci_cap, "compute instance access of " + what); !r) return r;
  }
  return {};
}

Result<void> feature_nodes(const request::Request& req, const discover::Inventory& inv, NodeList& nodes) {
  const std::pair<bool, discover::Feature> wanted[] = {{req.gds, discover::Feature::gds},
                                                       {req.mofed, discover::Feature::mofed},
                                                       {req.nvswitch, discover::Feature::nvswitch},
                                                       {req.gdrcopy, discover::Feature::gdrcopy}};
  for (auto [on, feature] : wanted) {
    if (!on) continue;
    const std::string reason = "NVIDIA_" + to_upper(discover::feature_name(feature)) + "=enabled";
    for (const auto& n : inv.features[static_cast<int>(feature)])
      if (auto r = nodes.add(n, reason); !r) return r;
  }
  return {};
}

} // namespace

Result<std::vector<edits::DeviceNode>> plan_nodes(const request::Request& req, const discover::Inventory& inv,
                                                  const Plan& plan, const Options& options) {
  std::vector<edits::DeviceNode> out;
  NodeList nodes(out, options.dev_root);
  if (auto r = nodes.add(inv.nvidiactl, "driver control node (every GPU container)"); !r) return fail(std::move(r.error()));
  if (library_capabilities(req.capabilities).has(Capability::compute)) {
    if (auto r = nodes.add(inv.uvm, "unified memory (capability compute)"); !r) return fail(std::move(r.error()));
    if (auto r = nodes.add(inv.uvm_tools, "unified memory tools (capability compute)"); !r) return fail(std::move(r.error()));
  }
  if (req.capabilities.has(Capability::display))
    if (auto r = nodes.add(inv.modeset, "mode setting (capability display)"); !r) return fail(std::move(r.error()));
  if (auto r = gpu_nodes(req, plan, nodes); !r) return fail(std::move(r.error()));
  if (auto r = feature_nodes(req, inv, nodes); !r) return fail(std::move(r.error()));
  return out;
}

} // namespace nvrunc::plan::detail
