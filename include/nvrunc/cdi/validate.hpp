// Checking what a CDI spec means (research notes C.2-C.4; reference library pkg/cdi validation),
// after read.hpp has checked its shape. Every problem is reported, not just the first:
//
//   cdiVersion   present, a known version, >= what the content needs (version.hpp)
//   kind         vendor/class per names.hpp
//   annotations  keys per Kubernetes rules, unique, total size <= 256 KiB (spec and device)
//   devices      at least one; names valid and unique; each with non-empty containerEdits
//   env          NAME=value with '=' at index > 0 (containerEdits and hooks)
//   deviceNodes  path absolute; hostPath absolute if set; type "", b, c, u or p; permissions a
//                subset of "rwm", or "none"
//   mounts       containerPath absolute; hostPath set, and absolute for binds (type "", bind, rbind)
//   hooks        hookName one of the OCI stages; path absolute
//   intelRdt     closID a plain file name; enableCMT/enableMBM only before 1.1.0
//   netDevices   both names set, valid interface names, unique
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "nvrunc/cdi/spec.hpp"
#include "nvrunc/cdi/version.hpp"
#include "nvrunc/common/error.hpp"

namespace nvrunc::cdi {

struct Problem {
  std::string location; // a field path: "devices[1].containerEdits.mounts[0].hostPath"
  std::string message;  // lowercase, no trailing period
  bool operator==(const Problem&) const = default;
};

// Every problem: those of the version first, then the others in document order; empty when the
// spec is valid.
std::vector<Problem> validate(const Spec& spec);

// The problems of one containerEdits (locations below `path`), for callers that build edits.
std::vector<Problem> validate_edits(const ContainerEdits& edits, const std::string& path);

// Fails with Errc::bad_spec listing every problem on one line:
// "validate `x.yaml`: kind: ...; devices[0].name: ...".
Result<void> check_spec(const Spec& spec, std::string_view name);

} // namespace nvrunc::cdi
