#include "nvrunc/hook/state.hpp"

#include <unistd.h>

#include <cerrno>

#include <nlohmann/json.hpp>

#include "nvrunc/os/file.hpp"
#include "nvrunc/spec/document.hpp"

namespace nvrunc::hook {

namespace {

using nlohmann::json;

// nlohmann throws on malformed input; this adapter turns that into our error (and no exception
// crosses the module boundary).
Result<json> parse_json(std::string_view text, Errc code, const std::string& what) {
  try {
    json doc = json::parse(text.begin(), text.end());
    if (!doc.is_object()) return fail(code, what + ": not a JSON object");
    return doc;
  } catch (const json::exception& e) {
    return fail(code, what + ": " + std::string(e.what()));
  }
}

std::string absolute_under(const std::string& base, const std::string& path) {
  return os::clean_path(path.front() == '/' ? path : base + "/" + path);
}

} // namespace

Result<std::string> read_stream(int fd, size_t limit) {
  std::string data;
  char buf[16384];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail_errno("read the container state from stdin");
    if (n == 0) return data;
    if (data.size() + static_cast<size_t>(n) > limit)
      return fail(Errc::invalid_argument, "read the container state from stdin: more than " +
                                              std::to_string(limit) + " bytes");
    data.append(buf, static_cast<size_t>(n));
  }
}

Result<ContainerState> parse_state(std::string_view text) {
  const std::string what = "parse the container state on stdin";
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return fail(Errc::invalid_argument, what + ": empty (is this running as an OCI hook?)");
  NVRUNC_TRY(doc, parse_json(text, Errc::invalid_argument, what));
  ContainerState state;
  if (auto id = doc.find("id"); id != doc.end() && id->is_string()) state.id = id->get<std::string>();
  auto bundle = doc.find("bundle");
  if (bundle == doc.end() || !bundle->is_string() || bundle->get_ref<const std::string&>().empty())
    return fail(Errc::invalid_argument, what + ": no `bundle`");
  state.bundle = bundle->get<std::string>();
  if (state.bundle.front() != '/')
    return fail(Errc::invalid_argument, what + ": `bundle` is not absolute: `" + state.bundle + "`");
  state.bundle = os::clean_path(state.bundle);
  if (auto root = doc.find("root"); root != doc.end()) { // crun
    if (!root->is_string() || root->get_ref<const std::string&>().empty())
      return fail(Errc::invalid_argument, what + ": `root` is not a path");
    state.rootfs = absolute_under(state.bundle, root->get<std::string>());
  }
  return state;
}

namespace {

// root.path of a parsed config.json (either tree type).
template <class Tree>
Result<std::string> root_path_of(const Tree& doc, const std::string& bundle, const std::string& what) {
  if (!doc.is_object()) return fail(Errc::bad_spec, what + ": not a JSON object");
  auto root = doc.find("root");
  if (root == doc.end() || !root->is_object()) return fail(Errc::bad_spec, what + ": no `root`");
  auto path = root->find("path");
  if (path == root->end() || !path->is_string() || path->template get_ref<const std::string&>().empty())
    return fail(Errc::bad_spec, what + ": no `root.path`");
  return absolute_under(bundle, path->template get<std::string>());
}

} // namespace

Result<std::string> rootfs_from_config(std::string_view config_json, const std::string& bundle) {
  const std::string what = "read `" + bundle + "/config.json`";
  // The shim's parser first: it reads plain JSON several times faster than nlohmann's parse into a
  // std::map tree. It refuses what the shim could not write back exactly (integers beyond 64 bits,
  // nesting beyond 256 levels), which an engine's config.json (CDI: not one nvrunc edited) may
  // hold: then nlohmann's parser, which takes both.
  if (auto doc = spec::parse(config_json, "config.json")) return root_path_of(*doc, bundle, what);
  NVRUNC_TRY(doc, parse_json(config_json, Errc::bad_spec, what));
  return root_path_of(doc, bundle, what);
}

Result<ContainerState> load_state(std::string_view state_json) {
  NVRUNC_TRY(state, parse_state(state_json));
  if (!state.rootfs.empty()) return state;
  auto config = os::read_file(state.bundle + "/config.json");
  if (!config) return fail(std::move(config.error()).wrap("read the bundle of container `" + state.id + "`"));
  NVRUNC_TRY(rootfs, rootfs_from_config(*config, state.bundle));
  state.rootfs = std::move(rootfs);
  return state;
}

} // namespace nvrunc::hook
