// bench-phases: where nvrunc's `create` time goes, phase by phase, in one process (test/bench/run.sh,
// step f; the optional target nvrunc_bench_phases in test/bench/CMakeLists.txt, never part of `all`).
//
//   NVRUNC_CONFIG=NODE/config.toml bench-phases BUNDLE [RUNS]
//   bench-phases --scaling [LDCACHE...]
//
// Runs the steps of runtime::plan_bundle and the save one by one, as the shim does for a first
// pass (config.json restored from BUNDLE/orig.json before each round), and prints per phase the
// first round's time (cold: a fresh process, as every real `create` is) and the median of the
// others (warm caches), in microseconds, and the first round's page faults (each costs 2-3 us on a
// KVM guest: a fresh process pays them all).
//
// --scaling measures, warm, how edits::apply grows with the number of device nodes and mounts
// (onto a `runc spec` config.json), and how parse_ldcache grows with the cache files given.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <sys/resource.h>

#include "nvrunc/discover/ldcache.hpp"
#include "nvrunc/discover/snapshot.hpp"
#include "nvrunc/edits/apply.hpp"
#include "nvrunc/os/file.hpp"
#include "nvrunc/runtime/shim.hpp"

using namespace nvrunc;
using Clock = std::chrono::steady_clock;

namespace {

std::vector<std::string> order;
std::map<std::string, std::vector<double>> samples;
std::map<std::string, long> cold_faults; // page faults of a phase's first round: fresh heap and code

long minor_faults() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt;
}

template <class F>
auto timed(const std::string& phase, F&& f) {
  const long faults = minor_faults();
  const auto start = Clock::now();
  auto result = f();
  const double us = std::chrono::duration<double, std::micro>(Clock::now() - start).count();
  if (!samples.count(phase)) {
    order.push_back(phase);
    cold_faults[phase] = minor_faults() - faults;
  }
  samples[phase].push_back(us);
  return result;
}

template <class T>
T must(Result<T> r, const char* what) {
  if (!r) {
    std::fprintf(stderr, "bench-phases: %s: %s\n", what, r.error().what().c_str());
    std::exit(1);
  }
  return std::move(*r);
}

void must(Result<void> r, const char* what) {
  if (!r) {
    std::fprintf(stderr, "bench-phases: %s: %s\n", what, r.error().what().c_str());
    std::exit(1);
  }
}

void one_round(const std::string& bundle) {
  must(os::write_file_atomic(bundle + "/config.json", must(os::read_file(bundle + "/orig.json"), "read orig.json"), {}),
       "restore config.json");
  const auto total = Clock::now();
  const long total_faults = minor_faults();
  auto config = must(timed("config::load", [] { return config::load(); }), "config");
  auto doc = must(timed("spec::load", [&] { return spec::load(bundle); }), "spec");
  auto req = must(timed("request::read_request", [&] { return request::read_request(doc.json, config); }), "request");
  discover::HostFs fs(runtime::host_roots(config));
  const auto options = runtime::discover_options(config);
  (void)timed("  ld.so.cache read+parse", [&] {
    auto bytes = fs.read_driver_file(options.ldcache, 64u << 20);
    return bytes ? discover::parse_ldcache(*bytes, "ld.so.cache").map([](auto v) { return v.size(); }) : Result<size_t>(0);
  });
  auto inv = must(timed("discover::discover", [&] { return discover::discover(fs, options); }), "discover");
  // The snapshot (discover/snapshot.hpp) in a scratch directory: saved once, then replayed.
  static const std::string cache_dir = bundle + "/.bench-inventory-cache";
  (void)timed("discover_cached (snapshot)", [&] {
    return discover::discover_cached(runtime::host_roots(config), options, {cache_dir}).map([](auto c) {
      return c.use;
    });
  });
  auto target = must(timed("inspect_rootfs", [&] { return runtime::inspect_rootfs(doc.json, bundle, inv.driver_version); }),
                     "rootfs");
  plan::Options po;
  po.hook_path = runtime::hook_path(config);
  po.ldconfig_path = config.ldconfig.substr(1);
  auto plan = must(timed("plan::make_plan", [&] { return plan::make_plan(req, inv, target, po, nullptr); }), "plan");
  edits::Deferred appended;
  (void)must(timed("edits::apply (appends deferred)", [&] { return edits::apply(doc.json, plan.edits, &appended); }), "apply");
  auto text = timed("spec::serialize", [&] { return spec::serialize(doc.json, doc.layout, &appended); });
  must(timed("spec::save (atomic write)", [&] { return spec::save(doc, &appended); }), "save");
  samples["TOTAL (in process)"].push_back(std::chrono::duration<double, std::micro>(Clock::now() - total).count());
  if (!cold_faults.count("TOTAL (in process)")) cold_faults["TOTAL (in process)"] = minor_faults() - total_faults;
  static bool once = false;
  if (!once) {
    once = true;
    std::printf("bundle %s: %zu devices, %zu mounts, %zu hook(s); config.json %zu bytes\n", bundle.c_str(),
                plan.edits.device_nodes.size(), plan.edits.mounts.size(), plan.edits.hooks.size(), text.size());
  }
}

double median_us(int runs, const std::function<void()>& f) {
  std::vector<double> v;
  for (int i = 0; i < runs; ++i) {
    const auto start = Clock::now();
    f();
    v.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  }
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int scaling(int argc, char** argv) {
  const spec::Json base = spec::Json::parse(R"({"ociVersion":"1.0.2","process":{"args":["sh"],"env":["PATH=/bin"]},
    "root":{"path":"rootfs"},"mounts":[{"destination":"/proc","type":"proc","source":"proc"}],
    "linux":{"resources":{"devices":[{"allow":false,"access":"rwm"}]}}})");
  std::printf("%-34s %8s %12s %14s\n", "edits::apply (warm, median)", "n", "us", "us per item");
  for (int n : {8, 16, 32, 64, 128, 256, 512}) {
    edits::ContainerEdits devices, mounts;
    for (int i = 0; i < n; ++i) {
      edits::DeviceNode d;
      d.path = "/dev/nvidia-caps/nvidia-cap" + std::to_string(i);
      d.major = 237;
      d.minor = i;
      devices.device_nodes.push_back(d);
      mounts.mounts.push_back({"/usr/lib/libx.so." + std::to_string(i), "/usr/lib/libx.so." + std::to_string(i), "bind",
                               edits::read_only_bind_options(), ""});
    }
    for (auto* e : {&devices, &mounts}) {
      const double us = median_us(n > 128 ? 21 : 101, [&] {
        spec::Json j = base;
        (void)edits::apply(j, *e);
      });
      std::printf("%-34s %8d %12.1f %14.2f\n", e == &devices ? "  device nodes" : "  mounts", n, us, us / n);
    }
  }
  std::printf("%-34s %8s %12s %14s\n", "parse_ldcache (warm, median)", "entries", "us", "us per entry");
  for (int i = 0; i < argc; ++i) {
    auto bytes = must(os::read_file(argv[i]), "read ld.so.cache");
    size_t entries = 0;
    const double us = median_us(31, [&] { entries = must(discover::parse_ldcache(bytes, "c"), "parse").size(); });
    std::printf("  %-32s %8zu %12.1f %14.3f\n", argv[i], entries, us, us / double(entries ? entries : 1));
  }
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::string(argv[1]) == "--scaling") return scaling(argc - 2, argv + 2);
  if (argc < 2) {
    std::fprintf(stderr, "usage: NVRUNC_CONFIG=... bench-phases BUNDLE [RUNS]\n");
    return 2;
  }
  const std::string bundle = argv[1];
  const int runs = argc > 2 ? std::atoi(argv[2]) : 200;
  for (int i = 0; i < runs; ++i) one_round(bundle);
  order.push_back("TOTAL (in process)");
  std::printf("%-30s %10s %12s %12s\n", "phase", "cold us", "warm med us", "cold faults");
  for (const auto& phase : order) {
    auto v = samples[phase];
    const double cold = v.front();
    v.erase(v.begin());
    std::sort(v.begin(), v.end());
    std::printf("%-30s %10.1f %12.1f %12ld\n", phase.c_str(), cold, v.empty() ? 0.0 : v[v.size() / 2],
                cold_faults[phase]);
  }
  return 0;
}
