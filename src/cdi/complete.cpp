// Completing device nodes from the host (reference library DeviceNode.fillMissingInfo).
#include "nvrunc/cdi/convert.hpp"

namespace nvrunc::cdi {

namespace {

bool needs_host(const DeviceNode& d) {
  const std::string type = d.type.value_or("");
  return type.empty() || (type != "p" && !d.major);
}

Result<void> complete(DeviceNode& d, const StatFn& stat) {
  const std::string host = d.host_path.value_or("").empty() ? d.path : *d.host_path;
  const std::string context = "complete device node `" + d.path + "`";
  auto info = stat(host);
  if (!info) return fail(std::move(info.error()).wrap(context));
  if (info->type != 'c' && info->type != 'b' && info->type != 'p')
    return fail(Errc::bad_spec, context + ": `" + host + "` is not a device node");
  const std::string type = d.type.value_or("");
  if (type.empty()) d.type = std::string(1, info->type);
  else if (type[0] != info->type && !(type == "u" && info->type == 'c'))
    return fail(Errc::bad_spec, context + ": the spec says type " + type + ", `" + host + "` has type " +
                                    std::string(1, info->type));
  if (!d.file_mode) d.file_mode = info->mode;
  if (info->type != 'p' && !d.major) {
    d.major = info->major;
    d.minor = info->minor;
  }
  return {};
}

} // namespace

Result<void> complete_device_nodes(ContainerEdits& edits, const StatFn& stat) {
  for (DeviceNode& d : edits.device_nodes)
    if (needs_host(d))
      if (auto r = complete(d, stat); !r) return r;
  return {};
}

} // namespace nvrunc::cdi
