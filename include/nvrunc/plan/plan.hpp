// Planning: Request x Inventory x Target -> Edits (DESIGN.md §1 step 8). Pure and deterministic:
// the same inputs give the same edits in the same order (control nodes, then GPUs by index;
// libraries in driver-table order, then binaries), each with the reason it is there.
//
// Fails closed: a GPU container whose request cannot be met (no driver, unknown id, a node with
// the wrong numbers) is an error naming what was asked and what this node has.
#pragma once

#include <string>
#include <vector>

#include "nvrunc/common/error.hpp"
#include "nvrunc/discover/inventory.hpp"
#include "nvrunc/edits/edits.hpp"
#include "nvrunc/request/request.hpp"

namespace nvrunc::plan {

// Facts about the container that decide where things go, read from its rootfs by the caller.
struct Target {
  std::string library_dir = "/usr/lib64"; // /usr/lib/<triplet> when the image is Debian-like
  std::string binary_dir = "/usr/bin";
};

struct Options {
  std::string hook_path;                   // absolute path of nvrunc-hook on the host
  std::string ldconfig_path = "/sbin/ldconfig"; // the host ldconfig the hook runs
};

struct Plan {
  std::vector<const discover::Gpu*> gpus; // the selected GPUs, by index
  edits::ContainerEdits edits;
};

// Chooses the GPUs the request names. Ids: index, GPU UUID (case-insensitive), PCI bus id.
Result<std::vector<const discover::Gpu*>> select_gpus(const request::Request& request,
                                                      const discover::Inventory& inventory);

Result<Plan> make_plan(const request::Request& request, const discover::Inventory& inventory, const Target& target,
                       const Options& options);

// The library directory for an image: Debian-like ones (with /etc/debian_version) use the multiarch
// directory, others /usr/lib64 (libnvidia-container's rule).
std::string library_dir_for(bool debian_like);

// The capabilities whose libraries a request brings: video brings compute, display brings graphics.
Capabilities library_capabilities(Capabilities requested);

} // namespace nvrunc::plan
