// Helpers for the CDI tests: fixture paths, the reference schema folder, and a generator of
// arbitrary specs (seeded, so a failure reproduces) for the round-trip properties.
#pragma once

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "../test_util.hpp"
#include "nvrunc/cdi/spec.hpp"

namespace nvrunc::test {

inline std::string cdi_fixture_dir() { return std::string(NVRUNC_SOURCE_DIR) + "/test/fixtures/cdi"; }
inline std::string cdi_fixture(const std::string& name) { return read_file(cdi_fixture_dir() + "/" + name); }

// The CDI project's schema and examples (shared/reference/cdi-schema, beside the repository; not
// part of it). Tests that need it skip with a warning where it is absent.
inline std::string cdi_schema_dir() { return std::string(NVRUNC_SOURCE_DIR) + "/../shared/reference/cdi-schema"; }

// Builds arbitrary specs: every member, tricky strings, extreme integers.
class SpecGenerator {
public:
  explicit SpecGenerator(unsigned seed) : m_rng(seed) {}

  // With schema_safe, hook timeouts stay positive (the schema types them uint32).
  cdi::Spec spec(bool schema_safe = false) {
    m_schema_safe = schema_safe;
    cdi::Spec s;
    s.cdi_version = pick({"0.3.0", "0.5.0", "v0.6.0", "1.1.0", text()});
    s.kind = pick({"nvidia.com/gpu", "amd.com/gpu", "vendor.example/x.y", text()});
    s.annotations = annotations();
    for (int i = 0, n = below(4); i < n; ++i) s.devices.push_back({text(), annotations(), edits()});
    s.edits = edits();
    return s;
  }

  std::string text() {
    static const std::vector<std::string> tricky = {
        "", "0", "1", "-1", "007", "0x1F", "0o17", "1e3", "1.0", ".5", ".inf", "-.Inf", ".NaN", "yes", "No", "ON",
        "off", "y", "N", "true", "False", "null", "Null", "~", "-", "--link", "- x", "? x", ": x", "a: b", "a:b",
        "key:", ":key", "#x", "a #b", " lead", "trail ", "  ", "\t", "\"q\"", "'s'", "back\\slash", "line\nbreak",
        "cr\rx", "[x]", "{y}", "*alias", "&anchor", "!tag", "%pct", "@at", "`tick`", ",", "|", ">", "=", "<<",
        "2001-12-14", "12:30:45", "0:1", "x\x01y", std::string("nul\0byte", 8), "del\x7f", "caf\xc3\xa9",
        "\xe2\x9c\x93 check", "ls\xe2\x80\xa8ps\xe2\x80\xa9", "nel\xc2\x85", "bom\xef\xbb\xbf", "/dev/nvidia0",
        "libcuda.so.1::/usr/lib/x86_64-linux-gnu/libcuda.so", "NVIDIA_VISIBLE_DEVICES=void", "GPU-4cf8db2d-06c0"};
    if (below(3) > 0) return tricky[below(static_cast<int>(tricky.size()))];
    std::string out;
    for (int i = 0, n = below(12); i < n; ++i) out += static_cast<char>(1 + below(126));
    return out;
  }

private:
  int below(int n) { return std::uniform_int_distribution<int>(0, n - 1)(m_rng); }
  bool coin() { return below(2) == 0; }
  std::string pick(std::vector<std::string> options) { return options[below(static_cast<int>(options.size()))]; }
  std::vector<std::string> texts(int max) {
    std::vector<std::string> out;
    for (int i = 0, n = below(max + 1); i < n; ++i) out.push_back(text());
    return out;
  }

  std::int64_t int64() {
    const std::int64_t edges[] = {0, 1, -1, 195, 511, std::numeric_limits<std::int64_t>::min(),
                                  std::numeric_limits<std::int64_t>::max()};
    return coin() ? edges[below(7)] : std::uniform_int_distribution<std::int64_t>()(m_rng);
  }
  std::uint32_t uint32() {
    return coin() ? (coin() ? 0u : std::numeric_limits<std::uint32_t>::max())
                  : std::uniform_int_distribution<std::uint32_t>()(m_rng);
  }

  cdi::Annotations annotations() {
    cdi::Annotations out;
    for (int i = 0, n = below(3); i < n; ++i) {
      std::string key = text() + std::to_string(i); // unique keys
      out.emplace_back(key, text());
    }
    return out;
  }

  cdi::DeviceNode device_node() {
    cdi::DeviceNode d;
    d.path = text();
    if (coin()) d.host_path = text();
    if (coin()) d.type = pick({"c", "b", "u", "p", "", text()});
    if (coin()) d.major = int64();
    if (coin()) d.minor = int64();
    if (coin()) d.file_mode = uint32();
    if (coin()) d.permissions = pick({"rwm", "rw", "none", "", text()});
    if (coin()) d.uid = uint32();
    if (coin()) d.gid = uint32();
    return d;
  }

  cdi::Hook hook() {
    cdi::Hook h{pick({"createContainer", "prestart", text()}), text(), texts(4), texts(2), std::nullopt};
    if (coin()) h.timeout = m_schema_safe ? 1 + below(1000) : static_cast<int>(int64() % 100000);
    return h;
  }


  cdi::ContainerEdits edits() {
    cdi::ContainerEdits e;
    e.env = texts(3);
    for (int i = 0, n = below(3); i < n; ++i) e.device_nodes.push_back(device_node());
    for (int i = 0, n = below(3); i < n; ++i) e.mounts.push_back({text(), text(), coin() ? "" : text(), texts(4)});
    for (int i = 0, n = below(2); i < n; ++i) e.hooks.push_back(hook());
    for (int i = 0, n = below(3); i < n; ++i) e.additional_gids.push_back(uint32());
    if (below(4) == 0) {
      cdi::Json rdt = cdi::Json::object();
      if (coin()) rdt["closID"] = text();
      if (coin()) rdt["schemata"] = texts(2);
      if (coin()) rdt["enableMonitoring"] = coin();
      e.intel_rdt = rdt;
    }
    for (int i = 0, n = below(4) == 0 ? 2 : 0; i < n; ++i)
      e.net_devices.push_back(cdi::Json{{"hostInterfaceName", text()}, {"name", text()}});
    return e;
  }

  std::mt19937_64 m_rng;
  bool m_schema_safe = false;
};

} // namespace nvrunc::test
