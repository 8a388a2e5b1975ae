// CDI spec files (cdi::parse_spec, validate, to_json/to_yaml, to_edits): any vendor writes them into
// /etc/cdi and /var/run/cdi, and nvrunc reads every file there.
// Input: a spec file, JSON or YAML (told apart by content, as parse_spec does for a name without
// an extension).
// Properties (include/nvrunc/cdi/read.hpp, write.hpp): nothing throws; a bad file is
// Errc::bad_spec; validation copes with every spec that parses; a spec whose strings are UTF-8
// survives to_json and to_yaml unchanged (parse(write(s)) == s) and writing is deterministic; the
// edits of a valid spec apply idempotently.
#include <sstream>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "fuzz_util.hpp"
#include "nvrunc/cdi/convert.hpp"
#include "nvrunc/cdi/read.hpp"
#include "nvrunc/cdi/validate.hpp"
#include "nvrunc/cdi/write.hpp"
#include "nvrunc/edits/apply.hpp"

using namespace nvrunc;

namespace {

// KNOWN BUG (regressions/cdi/yaml-loadall-*, skip name "yaml-loadall-loop"): yaml-cpp 0.7.0's
// YAML::LoadAll never returns on some malformed streams (a lone ","), allocating a null document per
// turn until memory runs out (jbeder/yaml-cpp#1040, fixed by #1319 after 0.8.0); cdi's yaml_tree
// calls LoadAll. Detected here with a bounded walk over the documents.
struct DocumentCounter : YAML::EventHandler {
  int documents = 0;
  void OnDocumentStart(const YAML::Mark&) override { ++documents; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

bool loadall_loops(std::string_view text) {
  try {
    std::istringstream in{std::string(text)};
    YAML::Parser parser(in);
    DocumentCounter counter;
    while (counter.documents < 64 && parser.HandleNextDocument(counter)) {}
    return counter.documents >= 64;
  } catch (const YAML::Exception&) {
    return false;
  }
}

bool utf8_text(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    char32_t cp = n == 1 ? c : c & (0x7F >> n);
    for (size_t k = 1; k < n; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d >> 6) != 2) return false;
      cp = cp << 6 | (d & 0x3F);
    }
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += n;
  }
  return true;
}

bool utf8_list(const std::vector<std::string>& v) {
  for (const auto& s : v)
    if (!utf8_text(s)) return false;
  return true;
}

bool utf8_json(const cdi::Json& j) {
  if (j.is_string()) return utf8_text(j.get_ref<const std::string&>());
  if (j.is_object())
    for (auto it = j.begin(); it != j.end(); ++it)
      if (!utf8_text(it.key()) || !utf8_json(it.value())) return false;
  if (j.is_array())
    for (const auto& e : j)
      if (!utf8_json(e)) return false;
  return true;
}

bool utf8_edits(const cdi::ContainerEdits& e) {
  if (!utf8_list(e.env)) return false;
  for (const auto& d : e.device_nodes)
    if (!utf8_text(d.path) || !utf8_text(d.host_path.value_or("")) || !utf8_text(d.type.value_or("")) ||
        !utf8_text(d.permissions.value_or("")))
      return false;
  for (const auto& m : e.mounts)
    if (!utf8_text(m.host_path) || !utf8_text(m.container_path) || !utf8_text(m.type) || !utf8_list(m.options))
      return false;
  for (const auto& h : e.hooks)
    if (!utf8_text(h.hook_name) || !utf8_text(h.path) || !utf8_list(h.args) || !utf8_list(h.env)) return false;
  if (e.intel_rdt && !utf8_json(*e.intel_rdt)) return false;
  for (const auto& n : e.net_devices)
    if (!utf8_json(n)) return false;
  return true;
}

bool utf8_annotations(const cdi::Annotations& a) {
  for (const auto& [k, v] : a)
    if (!utf8_text(k) || !utf8_text(v)) return false;
  return true;
}

bool utf8_spec(const cdi::Spec& s) {
  if (!utf8_text(s.cdi_version) || !utf8_text(s.kind) || !utf8_annotations(s.annotations) || !utf8_edits(s.edits))
    return false;
  for (const auto& d : s.devices)
    if (!utf8_text(d.name) || !utf8_annotations(d.annotations) || !utf8_edits(d.edits)) return false;
  return true;
}

void round_trip(const cdi::Spec& s, cdi::Format format) {
  const std::string text = cdi::to_text(s, format);
  fuzz::expect(text == cdi::to_text(s, format), "writing is deterministic");
  auto back = cdi::parse_spec(text, format == cdi::Format::json ? "fuzz/written.json" : "fuzz/written.yaml");
  if (!back) std::fprintf(stderr, "%s\n---\n%s\n", back.error().what().c_str(), text.c_str());
  fuzz::expect(back.has_value(), "a written spec parses");
  fuzz::expect(*back == s, "parse(write(s)) == s");
}

// A valid spec's edits, converted for the shim, apply idempotently to a minimal config.json.
void apply_edits(const cdi::ContainerEdits& e) {
  cdi::ContainerEdits completed = e;
  auto stat = [](const std::string&) -> Result<cdi::HostNode> { return cdi::HostNode{'c', 195, 0, 0666}; };
  if (!cdi::complete_device_nodes(completed, stat)) return;
  auto converted = cdi::to_edits(completed);
  if (!converted) return;
  spec::Json once = {{"ociVersion", "1.0.2"}, {"process", {{"env", {"PATH=/bin"}}}}, {"root", {{"path", "rootfs"}}}};
  if (!edits::apply(once, *converted)) return;
  spec::Json twice = once;
  fuzz::expect(edits::apply(twice, *converted).has_value() && twice == once, "CDI edits apply idempotently");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 256 * 1024) return -1;
  if (fuzz::skip_known("yaml-loadall-loop") && loadall_loops(fuzz::as_text(data, size))) return -1;
  auto spec = cdi::parse_spec(fuzz::as_text(data, size), "fuzz/spec");
  if (!spec) {
    fuzz::expect(spec.error().code() == Errc::bad_spec, "a bad spec is bad_spec");
    return 0;
  }
  (void)cdi::validate(*spec);
  const bool valid = cdi::check_spec(*spec, "fuzz/spec").has_value();
  if (utf8_spec(*spec)) {
    round_trip(*spec, cdi::Format::json);
    round_trip(*spec, cdi::Format::yaml);
  }
  if (valid) {
    apply_edits(spec->edits);
    for (const auto& d : spec->devices) apply_edits(d.edits);
  }
  return 0;
}
