// containerd's config.toml (research notes E.2, E.3; toolkit issues #1404, #1430, gpu-operator #301,
// containerd #6389).
//
// Versions: `version = 1` (or none, in a non-empty file) uses the plugin `cri`; 2 (containerd 1.x,
// also read by 2.x) `io.containerd.grpc.v1.cri`; 3 (containerd 2.x) `io.containerd.cri.v1.runtime`.
// An empty or missing file is written as version 2, which every containerd since 1.5 reads.
//
// The handler `plugins.<cri>.containerd.runtimes.<name>` gets runtime_type io.containerd.runc.v2,
// options.BinaryName = nvrunc and container_annotations ["cdi.k8s.io/*"] (so CDI annotations reach
// config.json). When it does not exist yet it starts as a copy of the default runtime's handler
// (else runc's, else crun's), so SystemdCgroup and the other runc options survive; an existing
// handler keeps its own options. --set-as-default writes default_runtime_name, --enable-cdi
// enable_cdi = true and cdi_spec_dirs (unless set).
//
// containerd (1.6 at least) forgets its built-in runc handler as soon as a config names any runtime,
// and the CRI plugin then has no default runtime: when the default handler (runc unless
// default_runtime_name says otherwise) is missing, a plain runc handler is written too.
//
// Drop-in mode (`drop_in` set): the main file only gains an `imports` entry (unless one of its
// patterns already matches the drop-in: the #1404 mistake was writing a drop-in no pattern
// matched), and the drop-in holds the CRI plugin's whole section. containerd before 2.1 merges an
// imported file by replacing each `plugins.<id>` table whole (verified with 1.6: a drop-in with only
// the handler wipes sandbox_image, the runc handler, restrict_oom_score_adj... of the main file), so
// the drop-in carries the effective section (main file, then earlier imports) plus the handler; a
// later edit of that section in the main file is then shadowed until configure runs again.
//
// Without a drop-in, an imported file that defines the CRI section would shadow the main file's
// handler: that is refused up front (use a drop-in). With one, a file imported after the drop-in
// that defines the section is refused the same way.
//
// Merging (inspect): imports are applied in order, top-level arrays append, other values override,
// `plugins.<id>` tables are replaced whole (the containerd 1.x/2.0 rule).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "nvrunc/engine/engine.hpp"

namespace nvrunc::engine {

struct ContainerdFiles {
  SourceFile main;                   // --config
  std::optional<SourceFile> drop_in; // --drop-in
  // Every file the main file imports, in containerd's order (each pattern expanded and sorted);
  // the drop-in is among them when a pattern already matches it.
  std::vector<SourceFile> imports;
};

Result<Outcome> configure_containerd(const ContainerdFiles& files, const ConfigureOptions& options);

// The `imports` entries of a config as written (globs, maybe relative to the file's directory).
Result<std::vector<std::string>> containerd_imports(const SourceFile& file);

// The handler as containerd will see it: the main file merged with its imports (in order).
Result<HandlerStatus> inspect_containerd(const SourceFile& main, const std::vector<SourceFile>& imports,
                                         std::string_view name);

// The handler in the output of `containerd config dump` (the merged configuration, defaults filled).
Result<HandlerStatus> inspect_containerd_dump(std::string_view dump, std::string_view name);

} // namespace nvrunc::engine
