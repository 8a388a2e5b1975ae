// Docker's daemon.json (research notes E.5): `runtimes.<name>.path` (a runc drop-in, which dockerd
// runs through io.containerd.runc.v2 with BinaryName = path), `default-runtime` with
// --set-as-default, `features.cdi` with --enable-cdi.
//
// Edited as an ordered JSON document: keys keep their order, values their exact text for integers,
// and the file its indentation (detected from its first indented line; 4 spaces for a new file).
// An existing `runtimeArgs` stays; `runtimeType`/`options` (the shim form, exclusive with `path`)
// are replaced and said so. A file that already says all this is returned byte for byte.
#pragma once

#include "nvrunc/engine/engine.hpp"

namespace nvrunc::engine {

Result<Outcome> configure_docker(const SourceFile& daemon_json, const ConfigureOptions& options);

Result<HandlerStatus> inspect_docker(const SourceFile& daemon_json, std::string_view name);

} // namespace nvrunc::engine
