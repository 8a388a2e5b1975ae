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

// Entries that apply() appends to one array of the tree, kept as the edits that make them.
template <class Edit>
struct Appended {
  const spec::Json::array_t* array = nullptr; // the tree's array they follow
  std::vector<const Edit*> entries;
};

// The entries apply() appends to `mounts`, `linux.devices` and `linux.resources.devices`, kept as
// the edits instead of tree nodes (a create's ~60 mounts and their rules are most of config.json).
// Printed with the tree (spec::save, write, serialize), they give exactly the text of the tree
// apply() without it builds, at a fraction of the cost. It points into the edits and at the tree's
// arrays: keep both, unchanged, while it is used (moving a Json or a vector keeps them in place;
// copying does not).
struct Deferred final : spec::Appendix {
  Deferred() = default;
  Deferred(Deferred&&) = default;
  Deferred& operator=(Deferred&&) = default;
  // Not copyable (nor, then, is a runtime::BundlePlan): a copy would point at the same tree and
  // edits, while a copy of the tree has arrays of its own, which it would not know.
  Deferred(const Deferred&) = delete;
  Deferred& operator=(const Deferred&) = delete;

  Appended<Mount> mounts;
  Appended<DeviceNode> devices;
  Appended<DeviceNode> rules; // allow rules

  bool empty() const { return mounts.entries.empty() && devices.entries.empty() && rules.entries.empty(); }
  size_t count(const spec::Json::array_t& array) const override;
  void print(const spec::Json::array_t& array, size_t i, spec::ObjectPrinter& out) const override;
};

// With `deferred`, the entries to append go there (cleared first), not into the tree: the tree
// alone then lacks them, and the result and every failure are the same as without it.
Result<bool> apply(spec::Json& spec, const ContainerEdits& edits, Deferred* deferred = nullptr);

} // namespace nvrunc::edits
