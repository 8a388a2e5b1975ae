// Between CDI containerEdits (this module) and the shim's edits::ContainerEdits, which apply.hpp
// writes into config.json. What maps:
//
//   env                          both ways, unchanged
//   deviceNodes  path, hostPath  both ways (edits' host_path "" is CDI's "absent")
//                type/major/minor  edits always has them; CDI may leave them to the host node:
//                                complete_device_nodes() fills them in (stat through a callback,
//                                so this module makes no system call); to_edits refuses a node
//                                still missing them
//                fileMode        absent => 0666 (runc's default), after completion
//                uid, gid        absent => 0 (the reference library uses the container process's
//                                uid/gid when > 0; edits has no "unset")
//                permissions     absent or "" => "rwm"; "none" => "none" (apply adds no cgroup rule);
//                                a fifo ('p') gets "none": the device cgroup knows only b and c
//   mounts                       both ways; type "" stays "" (runc treats it as a bind when the
//                                options say bind/rbind)
//   hooks                        both ways (edits' `reason` is not in CDI)
//   additionalGids, intelRdt, netDevices
//                                no place in edits: to_edits fails with Errc::unsupported rather
//                                than start a container without them (fail closed)
//   reason (edits)               no place in CDI: dropped by from_edits
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "nvrunc/cdi/spec.hpp"
#include "nvrunc/common/error.hpp"
#include "nvrunc/edits/edits.hpp"

namespace nvrunc::cdi {

// How from_edits writes device nodes.
enum class NodeNumbers {
  keep,      // type, major, minor as discovered (exact for this boot)
  from_host, // left out, so the consumer stats hostPath when injecting: right after a reboot that
             // renumbered dynamic majors (nvidia-uvm, nvidia-caps), as nvidia-ctk's specs do
};

ContainerEdits from_edits(const edits::ContainerEdits& edits, NodeNumbers numbers = NodeNumbers::keep);

// Fails with Errc::unsupported (a member edits cannot hold) or Errc::bad_spec (a device node
// without type/major/minor: complete it first), naming the member.
Result<edits::ContainerEdits> to_edits(const ContainerEdits& edits);

// What stat() says about a host device node.
struct HostNode {
  char type = 0; // 'c', 'b' or 'p'; 0 when the file is not a device node
  std::int64_t major = 0, minor = 0;
  std::uint32_t mode = 0; // permission bits
};
using StatFn = std::function<Result<HostNode>(const std::string& host_path)>;

// Fills in what each device node leaves to the host (reference library fillMissingInfo): when its
// type is unset, or its major is unset for a b/c/u node, stats hostPath (or path) and takes type,
// major, minor, and fileMode if unset. Fails with Errc::bad_spec when the host file is not a device
// node or its type differs from the one given ('u' matches 'c'); stat errors pass through, wrapped.
Result<void> complete_device_nodes(ContainerEdits& edits, const StatFn& stat);

} // namespace nvrunc::cdi
