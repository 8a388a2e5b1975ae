#include "nvrunc/engine/engine.hpp"

#include <algorithm>

namespace nvrunc::engine {

std::string_view engine_name(Engine e) {
  switch (e) {
  case Engine::containerd: return "containerd";
  case Engine::crio: return "crio";
  case Engine::docker: return "docker";
  }
  return "?";
}

Result<Engine> parse_engine(std::string_view name) {
  if (name == "containerd") return Engine::containerd;
  if (name == "crio" || name == "cri-o") return Engine::crio;
  if (name == "docker") return Engine::docker;
  return fail(Errc::invalid_argument, "unknown runtime `" + std::string(name) + "`: expected containerd, crio or docker");
}

Result<void> validate(const ConfigureOptions& o) {
  // RuntimeClass.handler is a DNS-1123 label, and containerd/CRI-O look the handler up by that name.
  const bool label = !o.name.empty() && o.name.size() <= 63 && o.name.front() != '-' && o.name.back() != '-' &&
                     std::all_of(o.name.begin(), o.name.end(),
                                 [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
  if (!label)
    return fail(Errc::invalid_argument, "runtime name `" + o.name +
                                            "`: must be a DNS-1123 label (lowercase letters, digits, '-'), as a "
                                            "RuntimeClass handler");
  if (o.binary.empty() || o.binary.front() != '/')
    return fail(Errc::invalid_argument, "binary `" + o.binary + "`: must be an absolute path");
  return {};
}

bool Outcome::changed() const {
  return std::any_of(files.begin(), files.end(), [](const FileUpdate& f) { return f.changed(); });
}

Result<void> check_handler(const HandlerStatus& s, const ConfigureOptions& o, std::string_view where) {
  const std::string w(where);
  if (s.cri_disabled)
    return fail(Errc::bad_config, w + ": the CRI plugin is disabled, so containerd ignores runtime handlers");
  if (!s.present) return fail(Errc::not_found, w + ": no runtime handler `" + o.name + "`");
  if (s.binary != o.binary)
    return fail(Errc::bad_config, w + ": runtime handler `" + o.name + "` runs `" + s.binary + "`, not `" + o.binary + "`");
  if (o.set_as_default && !s.is_default)
    return fail(Errc::bad_config, w + ": the default runtime is `" + s.default_runtime + "`, not `" + o.name + "`");
  if (o.enable_cdi && s.cdi_enabled && !*s.cdi_enabled) return fail(Errc::bad_config, w + ": CDI is not enabled");
  return {};
}

} // namespace nvrunc::engine
