// The spec-level rules: version, kind, annotations, devices. The containerEdits rules are in
// validate_edits.cpp.
#include <set>

#include "nvrunc/cdi/names.hpp"
#include "nvrunc/cdi/validate.hpp"

namespace nvrunc::cdi {

namespace {

// Kubernetes' TotalAnnotationSizeLimitB, which CDI applies to each annotation map.
constexpr size_t max_annotations_size = 256 * 1024;

void check_annotations(const Annotations& annotations, const std::string& path, std::vector<Problem>& out) {
  size_t total = 0;
  std::set<std::string> seen;
  for (const auto& [key, value] : annotations) {
    total += key.size() + value.size();
    if (auto e = annotation_key_error(key)) out.push_back({path + "." + key, *e});
    if (!seen.insert(key).second) out.push_back({path + "." + key, "duplicate key"});
  }
  if (total > max_annotations_size) out.push_back({path, "larger than 256 KiB in total"});
}

// enableCMT and enableMBM were removed from intelRdt in 1.1.0.
void check_dropped(const ContainerEdits& edits, const std::string& path, std::vector<Problem>& out) {
  if (!edits.intel_rdt || !edits.intel_rdt->is_object()) return;
  for (const char* member : {"enableCMT", "enableMBM"})
    if (edits.intel_rdt->contains(member))
      out.push_back({path + ".intelRdt." + member, "removed in cdiVersion 1.1.0; use enableMonitoring"});
}

void check_version(const Spec& spec, std::vector<Problem>& out) {
  if (spec.cdi_version.empty()) {
    out.push_back({"cdiVersion", "missing"});
    return;
  }
  const auto declared = parse_version(spec.cdi_version);
  if (!declared) {
    out.push_back({"cdiVersion", "unknown version `" + spec.cdi_version + "` (known: " + known_versions().front() +
                                     " to " + std::string(latest_version) + ")"});
    return;
  }
  for (const Requirement& r : requirements(spec))
    if (r.version > *declared)
      out.push_back({r.location, r.feature + " needs cdiVersion " + r.version.str() + " or later, the spec declares " +
                                     spec.cdi_version});
  if (*declared < Version{1, 1, 0}) return;
  check_dropped(spec.edits, "containerEdits", out);
  for (size_t i = 0; i < spec.devices.size(); ++i)
    check_dropped(spec.devices[i].edits, "devices[" + std::to_string(i) + "].containerEdits", out);
}

void check_kind(const std::string& kind, std::vector<Problem>& out) {
  if (kind.empty()) {
    out.push_back({"kind", "missing"});
    return;
  }
  const auto slash = kind.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == kind.size()) {
    out.push_back({"kind", "`" + kind + "` is not vendor/class"});
    return;
  }
  if (auto e = vendor_error(kind.substr(0, slash))) out.push_back({"kind", *e});
  if (auto e = class_error(kind.substr(slash + 1))) out.push_back({"kind", *e});
}

void check_devices(const std::vector<Device>& devices, std::vector<Problem>& out) {
  if (devices.empty()) out.push_back({"devices", "at least one device is required"});
  std::set<std::string> names;
  for (size_t i = 0; i < devices.size(); ++i) {
    const Device& d = devices[i];
    const std::string path = "devices[" + std::to_string(i) + "]";
    if (auto e = device_name_error(d.name)) out.push_back({path + ".name", *e});
    else if (!names.insert(d.name).second) out.push_back({path + ".name", "duplicate device name `" + d.name + "`"});
    check_annotations(d.annotations, path + ".annotations", out);
    if (d.edits.empty()) out.push_back({path + ".containerEdits", "a device needs at least one edit"});
    for (Problem& p : validate_edits(d.edits, path + ".containerEdits")) out.push_back(std::move(p));
  }
}

} // namespace

std::vector<Problem> validate(const Spec& spec) {
  std::vector<Problem> out;
  check_version(spec, out);
  check_kind(spec.kind, out);
  check_annotations(spec.annotations, "annotations", out);
  check_devices(spec.devices, out);
  for (Problem& p : validate_edits(spec.edits, "containerEdits")) out.push_back(std::move(p));
  return out;
}

Result<void> check_spec(const Spec& spec, std::string_view name) {
  const auto problems = validate(spec);
  if (problems.empty()) return {};
  std::string message = "validate `" + std::string(name) + "`: ";
  for (size_t i = 0; i < problems.size(); ++i)
    message += (i ? "; " : "") + problems[i].location + ": " + problems[i].message;
  return fail(Errc::bad_spec, message);
}

} // namespace nvrunc::cdi
