// CRI-O (research notes E.4): the handler lives in a drop-in of its own,
// /etc/crio/crio.conf.d/99-nvrunc.conf by default. CRI-O reads crio.conf, then every file of the
// drop-in directory in lexical order (all of them: it walks the directory without looking at names),
// each one overriding what came before.
//
// `[crio.runtime.runtimes.<name>]` starts as a copy of the default runtime's table (the
// `default_runtime` of the merged configuration, else runc, else crun, when one is defined), without
// its paths, then gets runtime_path = nvrunc, runtime_type = "oci", runtime_root = "/run/nvrunc"
// (runc state of its own, passed as --root) and monitor_env with a PATH when it has none.
// --set-as-default writes `[crio.runtime] default_runtime`. CDI is always on in CRI-O.
#pragma once

#include <vector>

#include "nvrunc/engine/engine.hpp"

namespace nvrunc::engine {

inline constexpr std::string_view crio_runtime_root = "/run/nvrunc";

struct CrioFiles {
  SourceFile main;                    // crio.conf (read only)
  SourceFile drop_in;                 // ours, written
  std::vector<SourceFile> other_drop_ins; // the rest of the drop-in directory, in lexical order
};

Result<Outcome> configure_crio(const CrioFiles& files, const ConfigureOptions& options);

// The merged view: main, then every drop-in (ours included) in lexical order.
Result<HandlerStatus> inspect_crio(const CrioFiles& files, std::string_view name);

} // namespace nvrunc::engine
