// plan's private pieces: device nodes, and files (mounts plus the hook that links them).
#pragma once

#include "nvrunc/plan/plan.hpp"

namespace nvrunc::plan::detail {

// Control nodes, GPU nodes, MIG capabilities, DRM nodes and feature nodes of a plan.
Result<std::vector<edits::DeviceNode>> plan_nodes(const request::Request& req, const discover::Inventory& inv,
                                                  const Plan& plan, const Options& options);

// Bind mounts of libraries, binaries, IPC, firmware and graphics files, and the hook.
void plan_files(const request::Request& req, const discover::Inventory& inv, const Plan& plan, const Target& target,
                const Options& options, edits::ContainerEdits& out);

} // namespace nvrunc::plan::detail
