// Applying Edits to an OCI spec tree, losslessly and idempotently (DESIGN.md §3):
// - only the members named below are touched; everything else keeps its value and order;
// - applying the same edits twice gives the same tree as applying them once.
//
//   env            process.env: KEY=... replaced in place, else appended
//   device_nodes   linux.devices: an entry with the same path replaced in place, else appended;
//                  linux.resources.devices: an allow rule {type,major,minor,access}, appended unless
//                  an identical rule already follows the last deny rule (cgroup rules apply in order,
//                  and containerd starts the list with deny-all)
//   mounts         mounts: an entry with the same destination replaced in place, else appended
//   hooks          hooks.<stage>: an entry with the same path replaced in place, else appended
//   additional_gids  process.user.additionalGids: each gid appended unless present (0 skipped)
// Returns whether the spec changed: an entry equal to the edit's (numbers compared by value) is left
// as it is, so applying edits the spec already has returns false and leaves it untouched (then
// config.json need not be written); false always means untouched. Edits that set one thing twice
// (one env variable, mount destination, device path or hook path) may return true although the
// end result equals the start: the earlier value is passed through on the way.
// Fails with Errc::bad_spec when a member we must edit has the wrong JSON type (the spec may then be
// half-edited: apply to a copy, or drop it).
#pragma once

#include "nvrunc/common/error.hpp"
#include "nvrunc/edits/edits.hpp"
#include "nvrunc/spec/document.hpp"

namespace nvrunc::edits {

Result<bool> apply(spec::Json& spec, const ContainerEdits& edits);

} // namespace nvrunc::edits
