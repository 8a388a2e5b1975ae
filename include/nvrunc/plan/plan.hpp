// Planning: Request x Inventory x Target -> Edits (DESIGN.md §1 step 8). Pure and deterministic:
// the same inputs give the same edits in the same order (control nodes, GPUs by index, their MIG
// capabilities and DRM nodes, feature nodes; libraries in driver-table order, 32-bit ones,
// binaries, IPC, firmware, graphics files), each with the reason it is there.
//
// Capabilities (reference libnvidia-container.md §2-§3): utility and compute bring their
// libraries and binaries, compute (and video, which implies the compute libraries) the UVM nodes,
// video its libraries, graphics and display the graphics libraries, vendor files, X.Org modules
// and the GPUs' DRM nodes, display also /dev/nvidia-modeset, ngx its library, compat32 the 32-bit
// copies of the selected libraries. IPC sockets go with utility, the MPS directory with compute,
// GSP firmware with every GPU container.
//
// Fails closed: a GPU container whose request cannot be met (no driver, unknown id, a node with
// the wrong numbers, an unmet NVIDIA_REQUIRE_*) is an error naming what was asked and what this
// node has.
#pragma once

#include <string>
#include <vector>

#include "nvrunc/common/error.hpp"
#include "nvrunc/discover/inventory.hpp"
#include "nvrunc/discover/nvml.hpp"
#include "nvrunc/edits/edits.hpp"
#include "nvrunc/request/request.hpp"

namespace nvrunc::plan {

// Facts about the container that decide where things go, read from its rootfs by the caller.
struct Target {
  std::string library_dir = "/usr/lib64"; // /usr/lib/<triplet> when the image is Debian-like
  std::string binary_dir = "/usr/bin";
  std::string library_dir32;              // "" when the image has no place for 32-bit libraries
  std::string compat_dir;                 // CUDA forward compatibility directory to put first, or ""
};

struct Options {
  std::string hook_path;                        // absolute path of nvrunc-hook on the host
  std::string ldconfig_path = "/sbin/ldconfig"; // the host ldconfig the hook runs
  std::string dev_root = "/";                   // where device nodes are on the host (their hostPath)
};

struct MigSelection {
  const discover::Gpu* gpu = nullptr;
  const discover::MigInstance* instance = nullptr;
  std::string id; // as requested, or "all"
};

struct Plan {
  std::vector<const discover::Gpu*> gpus; // whole GPUs and the parents of MIG devices, by index
  std::vector<MigSelection> mig;
  edits::ContainerEdits edits;
};

struct Selection {
  std::vector<const discover::Gpu*> gpus;
  std::vector<MigSelection> mig;
};

// Chooses what the request names. Ids: index, GPU UUID (case-insensitive), PCI bus id, MIG UUID,
// "<gpu>:<mig>" and "MIG-GPU-<uuid>/<gi>/<ci>". MIG UUIDs and index pairs need `nvml`.
Result<Selection> select_devices(const request::Request& request, const discover::Inventory& inventory,
                                 const discover::NvmlFacts* nvml);

// NVIDIA_REQUIRE_* (unless disabled) against the driver and `gpus` (arch and brand from `nvml`).
// Fails (Errc::unmet_requirement) naming the condition, the value found and what to do.
Result<void> check_requirements(const request::Request& request, const discover::Inventory& inventory,
                                const std::vector<const discover::Gpu*>& gpus, const discover::NvmlFacts* nvml);

// Whether evaluating the request needs NVML: MIG ids, or requirements to check.
bool needs_nvml(const request::Request& request);

Result<Plan> make_plan(const request::Request& request, const discover::Inventory& inventory, const Target& target,
                       const Options& options, const discover::NvmlFacts* nvml = nullptr);

// The library directory for an image: Debian-like ones (with /etc/debian_version) use the multiarch
// directory, others /usr/lib64 (libnvidia-container's rule).
std::string library_dir_for(bool debian_like);

// CUDA forward compatibility (reference §5.4): an image's /usr/local/cuda/compat is used when it
// holds a libcuda.so.<version> of a newer driver branch (major) than the host's. Decided from the
// file names alone; nothing from the image is opened.
bool forward_compat_applies(const std::vector<std::string>& compat_names, const std::string& host_driver_version);

// The capabilities whose libraries a request brings: video brings compute, display brings graphics.
Capabilities library_capabilities(Capabilities requested);

} // namespace nvrunc::plan
