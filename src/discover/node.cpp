#include "internal.hpp"

namespace nvrunc::discover::detail {

Result<DeviceNode> describe_node(const HostFs& fs, std::string path, std::uint32_t major, std::uint32_t minor) {
  DeviceNode node;
  node.path = std::move(path);
  node.major = major;
  node.minor = minor;
  NVRUNC_TRY(host, fs.stat_node(node.path));
  if (!host) return node;
  node.on_host = true;
  if (host->type != 'c' || host->major != major || host->minor != minor)
    node.problem = "host node `" + node.path + "` is " + std::string(1, host->type) + " " + std::to_string(host->major) +
                   ":" + std::to_string(host->minor) + ", expected c " + std::to_string(major) + ":" +
                   std::to_string(minor);
  node.mode = host->mode;
  node.uid = host->uid;
  node.gid = host->gid;
  return node;
}

} // namespace nvrunc::discover::detail
