// The inventory snapshot (discover/snapshot.hpp): the file format, and that a snapshot is used only
// while a fresh discovery would give the same inventory, on a fake driver root (no root needed).
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <cstdio>
#include <thread>

#include "fake_driver_root.hpp"
#include "nvrunc/discover/snapshot.hpp"
#include "nvrunc/os/file.hpp"
#include "test_util.hpp"

using namespace nvrunc;
using namespace nvrunc::test::fake_driver;
using discover::CacheUse;

namespace {

// Timestamps older than this may be saved; the tests wait it out instead of a whole second.
constexpr std::int64_t window_ns = 30'000'000;

void settle() { std::this_thread::sleep_for(std::chrono::milliseconds(45)); }

struct Node {
  test::TempDir dir;
  std::string root = make_fake_root(dir);
  test::TempDir cache_parent; // outside the root: creating it must not touch the root's timestamps
  std::string cache = cache_parent.str() + "/cache";
  discover::HostRoots roots{root, root, root + "/proc", root + "/sys"};
  discover::DiscoverOptions opts = options();

  discover::CachedInventory cached() {
    auto r = discover::discover_cached(roots, opts, {cache, window_ns});
    REQUIRE(r);
    return std::move(*r);
  }
  std::string fresh_encoding() {
    discover::HostFs fs(roots);
    auto inv = discover::discover(fs, opts);
    REQUIRE(inv);
    return encoding(*inv);
  }
  // A discovery of the node, with what it observed.
  std::pair<discover::Inventory, std::vector<discover::Observation>> recorded_discovery() {
    discover::HostFs fs(roots);
    discover::Recorder recorder;
    fs.record_into(&recorder);
    auto inv = discover::discover(fs, opts);
    REQUIRE(inv);
    REQUIRE(recorder.usable());
    return {std::move(*inv), recorder.observations()};
  }
  static std::string encoding(const discover::Inventory& inv) { return discover::encode_snapshot({"", 0, inv, {}}); }
  // A saved snapshot that still holds, so the next change is the only difference.
  void prime() {
    settle();
    auto first = cached();
    if (first.use != CacheUse::hit) REQUIRE(first.use == CacheUse::refreshed);
    REQUIRE(cached().use == CacheUse::hit);
  }
  // After a change: the snapshot is not used, and what comes back is a fresh discovery's result.
  void expect_rediscovered() {
    auto after = cached();
    CHECK(after.use != CacheUse::hit);
    CHECK(encoding(after.inventory) == fresh_encoding());
  }
};

} // namespace

TEST_CASE("snapshot: encoding round trip and refusal of anything else", "[discover][snapshot]") {
  Node n;
  const auto [inv, observations] = n.recorded_discovery();
  REQUIRE(observations.size() > 10);
  const discover::Snapshot s{"key", 1234, inv, observations};
  const std::string bytes = discover::encode_snapshot(s);
  auto back = discover::decode_snapshot(bytes);
  REQUIRE(back);
  CHECK(back->key == "key");
  CHECK(back->created_ns == 1234);
  CHECK(back->observations == s.observations);
  CHECK(back->inventory.libraries.size() == inv.libraries.size());
  CHECK(discover::encode_snapshot(*back) == bytes);
  CHECK(discover::observations_hold(back->observations));

  for (size_t cut = 0; cut < bytes.size(); cut += (cut < 200 ? 1 : 97)) // every truncation is refused
    CHECK_FALSE(discover::decode_snapshot(std::string_view(bytes).substr(0, cut)));
  CHECK_FALSE(discover::decode_snapshot(bytes + "x"));
  std::string other_version = bytes;
  other_version[26] = static_cast<char>(bytes[26] + 1); // the format version follows the 26-byte magic line
  CHECK_FALSE(discover::decode_snapshot(other_version));
  std::string huge_count = bytes;
  huge_count[37] = '\x7f'; // the high byte of the key's length: more than the bytes left
  CHECK_FALSE(discover::decode_snapshot(huge_count));
}

// The fuzzer starts from this seed: in an older format it is refused at the version and the fuzzer
// never reaches the fields (it was a format-1 file until format 3). Refresh it from a benchmark
// node's cache (<node>/nvrunc-cache/inventory-*.bin) whenever format_version changes.
TEST_CASE("snapshot: the fuzz corpus's seed is a snapshot of the current format", "[discover][snapshot]") {
  auto bytes = os::read_file(NVRUNC_FUZZ_CORPUS "/snapshot/gpu8-node.bin");
  REQUIRE(bytes);
  auto seed = discover::decode_snapshot(*bytes);
  REQUIRE(seed);
  CHECK(seed->inventory.gpus.size() == 8);
  CHECK(seed->observations.size() > 10);
}

TEST_CASE("snapshot: fresh_inventory replays the observations from the bytes", "[discover][snapshot]") {
  Node n;
  const auto [inv, observations] = n.recorded_discovery();
  const std::int64_t now = 1'000'000'000'000;
  const std::string bytes = discover::encode_snapshot({"key", now - 5, inv, observations});

  auto back = discover::fresh_inventory(bytes, "key", now);
  REQUIRE(back);
  CHECK(Node::encoding(*back) == Node::encoding(inv));
  CHECK_FALSE(discover::fresh_inventory(bytes, "other key", now));
  CHECK_FALSE(discover::fresh_inventory(bytes, "key", now - 6));                               // from the future
  CHECK_FALSE(discover::fresh_inventory(bytes, "key", now - 5 + discover::snapshot_max_age_ns)); // too old
  CHECK(discover::fresh_inventory(bytes, "key", now - 6 + discover::snapshot_max_age_ns));
  for (size_t cut = 0; cut < bytes.size(); cut += (cut < 200 ? 1 : 97)) // every truncation is refused
    CHECK_FALSE(discover::fresh_inventory(std::string_view(bytes).substr(0, cut), "key", now));
  CHECK_FALSE(discover::fresh_inventory(bytes + "x", "key", now));

  SECTION("a change any observation sees") {
    test::write_file(n.root + "/proc/driver/nvidia/version", "NVRM version: NVIDIA UNIX x86_64 Kernel Module  560.1.2  x\n");
    CHECK_FALSE(discover::fresh_inventory(bytes, "key", now));
  }
  SECTION("an observed path that is no C string") {
    auto obs = observations;
    obs.front().path.push_back('\0');
    CHECK_FALSE(discover::observations_hold(obs));
    CHECK_FALSE(discover::fresh_inventory(discover::encode_snapshot({"key", now, inv, obs}), "key", now));
    obs.front().path = "/" + std::string(PATH_MAX, 'x');
    CHECK_FALSE(discover::observations_hold(obs));
  }
  SECTION("a procfs file longer than a stack buffer") {
    discover::Observation big{discover::Observation::Kind::content, n.root + "/big", true, std::string(10000, 'b'), ""};
    test::write_file(big.path, big.value);
    CHECK(discover::observations_hold({big}));
    test::write_file(big.path, big.value + "c");
    CHECK_FALSE(discover::observations_hold({big}));
    test::write_file(big.path, std::string(9999, 'b') + "c");
    CHECK_FALSE(discover::observations_hold({big}));
  }
}

TEST_CASE("snapshot: used while it holds, replaced when it does not", "[discover][snapshot]") {
  Node n;
  settle();
  auto first = n.cached();
  CHECK(first.use == CacheUse::refreshed);
  CHECK(first.path.starts_with(n.cache + "/inventory-"));
  struct stat st;
  REQUIRE(::stat(n.cache.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  REQUIRE(::stat(first.path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto second = n.cached();
  CHECK(second.use == CacheUse::hit);
  CHECK(Node::encoding(second.inventory) == Node::encoding(first.inventory));
  CHECK(Node::encoding(second.inventory) == n.fresh_encoding());

  const std::string r = n.root;
  SECTION("a GPU appears in procfs") {
    test::write_file(r + "/proc/driver/nvidia/gpus/0000:87:00.0/information",
                     "Model: \t\t NVIDIA A100\nGPU UUID: \t GPU-cccccccc-0000-0000-0000-000000000000\nBus Location: \t 0000:87:00.0\nDevice Minor: \t 7\n");
  }
  SECTION("a GPU's information changes in place") {
    test::write_file(r + "/proc/driver/nvidia/gpus/0000:07:00.0/information",
                     "Model: \t\t NVIDIA A100\nGPU UUID: \t GPU-dddddddd-0000-0000-0000-000000000000\nBus Location: \t 0000:07:00.0\nDevice Minor: \t 5\n");
  }
  SECTION("another driver version") {
    test::write_file(r + "/proc/driver/nvidia/version", "NVRM version: NVIDIA UNIX x86_64 Kernel Module  560.1.2  x\n");
  }
  SECTION("the ld.so.cache is rebuilt without the old library") {
    REQUIRE(::unlink((r + "/opt/old/libcuda.so.470.1.2").c_str()) == 0);
    REQUIRE(test::sh("ldconfig -r " + r + " 2>/dev/null") == 0);
  }
  SECTION("a library is replaced by rename, the package managers' way") {
    write_library(r + libdir + "/libcuda.new", "libcuda.so.2");
    REQUIRE(::rename((r + libdir + "/libcuda.new").c_str(), (r + libdir + "/libcuda.so." + version).c_str()) == 0);
  }
  SECTION("a binary appears earlier in the search path") {
    REQUIRE(::unlink((r + "/usr/bin/nvidia-smi").c_str()) == 0);
    REQUIRE(::symlink("../local/nvidia/bin/nvidia-smi", (r + "/usr/bin/nvidia-smi").c_str()) == 0);
  }
  SECTION("the ld.so.cache goes away") { REQUIRE(::unlink((r + "/etc/ld.so.cache").c_str()) == 0); }
  SECTION("a GSP firmware directory appears") {
    test::write_file(r + "/lib/firmware/nvidia/" + version + "/gsp_ga10x.bin", "fw");
  }
  SECTION("a graphics vendor file appears") { test::write_file(r + "/etc/vulkan/icd.d/nvidia_icd.json", "{}"); }
  // The directories a lookup only passes through are not all stat-ed again (observe.hpp): moving
  // or replacing one is still seen, through the next directory's identity or its parent's entries.
  SECTION("a directory on the library path moves, a link to it in its place") {
    REQUIRE(test::sh("mv " + r + "/usr/lib " + r + "/usr/lib.moved && ln -s lib.moved " + r + "/usr/lib") == 0);
  }
  SECTION("the top directory of the library path moves, a link to it in its place") {
    REQUIRE(test::sh("mv " + r + "/usr " + r + "/usr.moved && ln -s usr.moved " + r + "/usr") == 0);
  }
  SECTION("a directory on the library path is replaced by a copy with another library") {
    REQUIRE(test::sh("cp -a " + r + "/usr/lib " + r + "/usr/lib.new") == 0);
    write_library(r + "/usr/lib.new/x86_64-linux-gnu/libcuda.so." + version, "libcuda.so.2");
    REQUIRE(test::sh("mv " + r + "/usr/lib " + r + "/usr/lib.old && mv " + r + "/usr/lib.new " + r + "/usr/lib") == 0);
  }
  n.expect_rediscovered();
  n.prime(); // and the new state is cached in turn
  CHECK(Node::encoding(n.cached().inventory) == n.fresh_encoding());
}

TEST_CASE("snapshot: symlink hops and dangling links are followed to where they live", "[discover][snapshot]") {
  Node n;
  const std::string r = n.root;
  // nvidia-smi through a "current" link in another directory, as alternatives and versioned
  // installs do; a vendor file that is a dangling link (its target not installed yet).
  REQUIRE(test::sh("mkdir -p " + r + "/opt/nv/v1 " + r + "/opt/nv/v2 " + r + "/etc/vulkan/icd.d && cp " + r +
                   "/usr/local/nvidia/bin/nvidia-smi " + r + "/opt/nv/v1/ && cp " + r +
                   "/usr/local/nvidia/bin/nvidia-smi " + r + "/opt/nv/v2/ && ln -s v1 " + r + "/opt/nv/cur && rm " + r +
                   "/usr/bin/nvidia-smi && ln -s /opt/nv/cur/nvidia-smi " + r + "/usr/bin/nvidia-smi && ln -s " +
                   "/srv/nv/icd.json " + r + "/etc/vulkan/icd.d/nvidia_icd.json") == 0);
  n.prime();
  REQUIRE(n.cached().inventory.binaries.at(0).path == "/opt/nv/v1/nvidia-smi");
  SECTION("the link in the other directory is retargeted") {
    REQUIRE(test::sh("ln -s v2 " + r + "/opt/nv/cur.new && mv -T " + r + "/opt/nv/cur.new " + r + "/opt/nv/cur") == 0);
    n.expect_rediscovered();
    CHECK(n.cached().inventory.binaries.at(0).path == "/opt/nv/v2/nvidia-smi");
  }
  SECTION("the dangling link's target appears") {
    test::write_file(r + "/srv/nv/icd.json", "{}");
    n.expect_rediscovered();
    CHECK(n.cached().inventory.graphics_files.size() == 1);
  }
}

TEST_CASE("snapshot: /dev is watched only for the names discovery looks for", "[discover][snapshot]") {
  Node n;
  const std::string dev = n.root + "/dev";
  REQUIRE(::mkdir(dev.c_str(), 0755) == 0);
  test::write_file(dev + "/null", "");
  n.prime();
  SECTION("an unrelated device appears: the snapshot still holds") {
    test::write_file(dev + "/loop7", "");
    REQUIRE(::mkdir((dev + "/disk").c_str(), 0755) == 0);
    CHECK(n.cached().use == CacheUse::hit);
  }
  // Stand-ins for character devices (making real ones needs root): links to the host's /dev/null.
  SECTION("a GPUDirect Storage node appears") {
    REQUIRE(::symlink("/dev/null", (dev + "/nvidia-fs0").c_str()) == 0);
    n.expect_rediscovered();
    CHECK(n.cached().inventory.features[static_cast<int>(discover::Feature::gds)].size() == 1);
  }
  SECTION("GDRCopy's node appears") {
    REQUIRE(::symlink("/dev/null", (dev + "/gdrdrv").c_str()) == 0);
    n.expect_rediscovered();
  }
  SECTION("/dev/infiniband appears") {
    REQUIRE(::mkdir((dev + "/infiniband").c_str(), 0755) == 0);
    REQUIRE(::symlink("/dev/null", (dev + "/infiniband/rdma_cm").c_str()) == 0);
    n.expect_rediscovered();
    CHECK(n.cached().inventory.features[static_cast<int>(discover::Feature::mofed)].size() == 1);
  }
}

TEST_CASE("recorder: an absence the recording already shows is not recorded again", "[discover][snapshot]") {
  test::TempDir d;
  const std::string dev = d.str() + "/dev";
  REQUIRE(::mkdir(dev.c_str(), 0755) == 0);
  test::write_file(dev + "/nvidia0", "");
  test::write_file(dev + "/loop0", "");
  discover::Recorder rec;
  rec.listing(dev, discover::list_directory(dev), {"gdrdrv", "infiniband", "nvidia"});
  rec.stat(dev + "/gdrdrv");             // missing from the listing, which covers it
  rec.stat(dev + "/infiniband/rdma_cm"); // an ancestor is missing from it
  rec.stat(dev + "/nvidia-modeset");     // covered by the prefix "nvidia"
  rec.stat(dev + "/fuse");               // not covered: recorded
  rec.stat(d.str() + "/gone");           // recorded absent...
  rec.stat(d.str() + "/gone/deeper");    // ...which shows this
  rec.stat(dev + "/nvidia0");            // present: always recorded
  REQUIRE(rec.usable());
  const auto& obs = rec.observations();
  REQUIRE(obs.size() == 4);
  CHECK(obs[0].kind == discover::Observation::Kind::listing);
  CHECK(obs[0].value == "nvidia0\n"); // loop0 is not kept
  CHECK(obs[0].filter == "gdrdrv\ninfiniband\nnvidia\n");
  CHECK((obs[1].path == dev + "/fuse" && !obs[1].present));
  CHECK((obs[2].path == d.str() + "/gone" && !obs[2].present));
  CHECK((obs[3].path == dev + "/nvidia0" && obs[3].present));
  CHECK(discover::observations_hold(obs));
  SECTION("an unrelated name appears") {
    test::write_file(dev + "/loop1", "");
    CHECK(discover::observations_hold(obs));
  }
  SECTION("a name whose absence was shown by the listing appears") {
    test::write_file(dev + "/gdrdrv", "");
    CHECK_FALSE(discover::observations_hold(obs));
  }
  SECTION("a directory shown absent appears") {
    REQUIRE(::mkdir((dev + "/infiniband").c_str(), 0755) == 0);
    CHECK_FALSE(discover::observations_hold(obs));
  }
  SECTION("a path below one recorded absent appears") {
    test::write_file(d.str() + "/gone/deeper", "");
    CHECK_FALSE(discover::observations_hold(obs));
  }
}

TEST_CASE("recorder: a directory only passed through is left out while the next one is kept", "[discover][snapshot]") {
  test::TempDir d;
  const std::string a = d.str() + "/a", b = a + "/b", c = b + "/c", e = c + "/e";
  REQUIRE(test::sh("mkdir -p " + e) == 0);
  discover::Recorder rec;
  const auto stats = [&] {
    std::vector<std::string> paths;
    for (const auto& o : rec.observations())
      if (o.kind == discover::Observation::Kind::stat) paths.push_back(o.path);
    return paths;
  };
  // A lookup of a/b/c/e/file: a, b and c passed through, e holds the file.
  rec.stat_passing(a, b);
  rec.stat_passing(b, c);
  rec.stat_passing(c, e);
  rec.stat(e);
  REQUIRE(rec.usable());
  SECTION("every other one, counting back from the one kept for itself") { CHECK(stats() == std::vector<std::string>{b, e}); }
  SECTION("one also stat-ed for itself is kept, and so its parent may go") {
    rec.stat(c);
    CHECK(stats() == std::vector<std::string>{a, c, e});
  }
  SECTION("one whose next directory was never stat-ed is kept") {
    rec.stat_passing(d.str(), a + "x");
    CHECK(stats() == std::vector<std::string>{b, e, d.str()});
  }
}

// A root where only one lookup passes through each level: which stats are left out, and that each
// change that moves where the lookup leads is still seen.
TEST_CASE("recorder: a lookup's passed-through directories, left out and still covered", "[discover][snapshot]") {
  test::TempDir d;
  const std::string r = d.str() + "/root";
  const std::string lib = "/usr/lib/x86_64-linux-gnu/libcuda.so.1";
  REQUIRE(test::sh("mkdir -p " + r + "/usr/lib/x86_64-linux-gnu && touch " + r + lib) == 0);
  discover::HostFs fs({r, r, r + "/proc", r + "/sys"});
  discover::Recorder rec;
  fs.record_into(&rec);
  REQUIRE(fs.resolve_driver_path(lib));
  fs.record_into(nullptr);
  REQUIRE(rec.usable());
  const auto obs = rec.observations();
  std::vector<std::string> stats;
  for (const auto& o : obs)
    if (o.kind == discover::Observation::Kind::stat) stats.push_back(o.path);
  // usr/lib is left out (its child x86_64-linux-gnu is kept); usr is kept (its child is left out);
  // the root is always kept.
  CHECK(stats == std::vector<std::string>{r, r + "/usr", r + "/usr/lib/x86_64-linux-gnu"});
  CHECK(discover::observations_hold(obs));
  SECTION("an unrelated name in a left-out directory: still holds") {
    REQUIRE(test::sh("touch " + r + "/usr/lib/unrelated") == 0);
    CHECK(discover::observations_hold(obs));
  }
  SECTION("the root moves, a link to it in its place") {
    REQUIRE(test::sh("mv " + r + " " + r + ".old && ln -s root.old " + r) == 0);
    CHECK_FALSE(discover::observations_hold(obs));
  }
  SECTION("a left-out directory moves, a link to it in its place") {
    REQUIRE(test::sh("mv " + r + "/usr/lib " + r + "/usr/lib.old && ln -s lib.old " + r + "/usr/lib") == 0);
    CHECK_FALSE(discover::observations_hold(obs));
  }
  SECTION("a left-out directory is replaced by a copy") {
    REQUIRE(test::sh("mv " + r + "/usr/lib " + r + "/usr/lib.old && cp -a " + r + "/usr/lib.old " + r + "/usr/lib") == 0);
    CHECK_FALSE(discover::observations_hold(obs));
  }
  SECTION("a kept directory moves, a link to it in its place") {
    REQUIRE(test::sh("mv " + r + "/usr " + r + "/usr.old && ln -s usr.old " + r + "/usr") == 0);
    CHECK_FALSE(discover::observations_hold(obs));
  }
}

TEST_CASE("recorder: a lookup through `..` keeps the directory it came back to", "[discover][snapshot]") {
  test::TempDir d;
  const std::string r = d.str();
  REQUIRE(test::sh("mkdir -p " + r + "/usr/lib " + r + "/usr/bin && touch " + r + "/usr/bin/tool") == 0);
  discover::HostFs fs({r, r, r + "/proc", r + "/sys"});
  discover::Recorder rec;
  fs.record_into(&rec);
  REQUIRE(fs.resolve_driver_path("/usr/lib/../bin/tool"));
  fs.record_into(nullptr);
  std::vector<std::string> stats;
  for (const auto& o : rec.observations())
    if (o.kind == discover::Observation::Kind::stat) stats.push_back(o.path);
  // usr holds lib, which the lookup needs but never stats (".." leaves it): usr is kept for that;
  // usr/bin holds the file; the root is always kept.
  CHECK(stats == std::vector<std::string>{r, r + "/usr", r + "/usr/bin"});
  test::sh("rmdir " + r + "/usr/lib");
  CHECK_FALSE(discover::observations_hold(rec.observations()));
}

TEST_CASE("snapshot: IPC endpoints are looked up on every create", "[discover][snapshot]") {
  Node n;
  REQUIRE(test::sh("mkdir -p " + n.root + "/run/nvidia-persistenced") == 0); // /run exists on a host
  n.prime();
  test::write_file(n.root + "/run/nvidia-persistenced/socket", ""); // the daemon starts
  auto after = n.cached();
  CHECK(after.use == CacheUse::hit);
  REQUIRE(after.inventory.ipc.size() == 1);
  CHECK(after.inventory.ipc[0].container_path == "/run/nvidia-persistenced/socket");
}

TEST_CASE("snapshot: old, foreign, damaged or untrusted snapshots are not used", "[discover][snapshot]") {
  Node n;
  n.prime();
  const std::string path = n.cached().path;
  auto bytes = os::read_file(path);
  REQUIRE(bytes);
  auto snapshot = discover::decode_snapshot(*bytes);
  REQUIRE(snapshot);
  os::WriteOptions mode0600;
  mode0600.mode = 0600;

  SECTION("older than the maximum age") {
    snapshot->created_ns -= discover::snapshot_max_age_ns;
    REQUIRE(os::write_file_atomic(path, discover::encode_snapshot(*snapshot), mode0600));
    CHECK(n.cached().use == CacheUse::refreshed);
  }
  SECTION("made with other discovery options") {
    snapshot->key += "\nbin /opt";
    REQUIRE(os::write_file_atomic(path, discover::encode_snapshot(*snapshot), mode0600));
    CHECK(n.cached().use == CacheUse::refreshed);
  }
  SECTION("damaged") {
    REQUIRE(os::write_file_atomic(path, bytes->substr(0, bytes->size() / 2), mode0600));
    CHECK(n.cached().use == CacheUse::refreshed);
  }
  SECTION("writable by others") {
    REQUIRE(::chmod(path.c_str(), 0666) == 0);
    CHECK(n.cached().use == CacheUse::untrusted);
  }
  SECTION("a symlink") {
    REQUIRE(::rename(path.c_str(), (path + ".real").c_str()) == 0);
    REQUIRE(::symlink((path + ".real").c_str(), path.c_str()) == 0);
    CHECK(n.cached().use == CacheUse::untrusted);
  }
  SECTION("in a parent directory others can change") {
    const std::string parent = n.cache_parent.str();
    REQUIRE(::chmod(parent.c_str(), 0777) == 0);
    auto c = n.cached();
    CHECK(c.use == CacheUse::untrusted);
    CHECK(c.note == "`" + parent + "` can be changed by another user");
    REQUIRE(::chmod(parent.c_str(), 01777) == 0); // sticky, as /tmp: others cannot rename our directory
    CHECK(n.cached().use == CacheUse::hit);
    REQUIRE(::chmod(parent.c_str(), 0700) == 0);
  }
  SECTION("in a directory others can write") {
    REQUIRE(::chmod(n.cache.c_str(), 0777) == 0);
    CHECK(n.cached().use == CacheUse::untrusted);
    auto still = os::read_file(path);
    REQUIRE(still);
    CHECK(*still == *bytes); // nothing written there either
  }
  CHECK(Node::encoding(n.cached().inventory) == n.fresh_encoding());
}

TEST_CASE("snapshot: a change within the racy window is never missed", "[discover][snapshot]") {
  Node n;
  // No settling: everything was just written, so the first recording must not be saved.
  auto first = discover::discover_cached(n.roots, n.opts, {n.cache, discover::racy_window_ns});
  REQUIRE(first);
  CHECK(first->use == CacheUse::unsaved);
  test::write_file(n.root + "/proc/driver/nvidia/version", "NVRM version: NVIDIA UNIX x86_64 Kernel Module  560.1.2  x\n");
  auto second = discover::discover_cached(n.roots, n.opts, {n.cache, discover::racy_window_ns});
  REQUIRE(second);
  CHECK(second->inventory.driver_version == "560.1.2");
}

TEST_CASE("snapshot: no cache directory is a plain discovery", "[discover][snapshot]") {
  Node n;
  auto plain = discover::discover_cached(n.roots, n.opts, {});
  REQUIRE(plain);
  CHECK(plain->use == CacheUse::disabled);
  CHECK(Node::encoding(plain->inventory) == n.fresh_encoding());
  CHECK_FALSE(os::path_exists(n.cache));
}
