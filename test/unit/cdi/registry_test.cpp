// The spec directories as a registry, over an in-memory filesystem: which files are read, priority,
// conflicts, per-file errors, resolution order.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "nvrunc/cdi/registry.hpp"

using namespace nvrunc;

namespace {

// Directories of files; a name ending in '/' inside a directory is a subdirectory.
struct FakeFs {
  std::map<std::string, std::map<std::string, std::string>> dirs;
  std::set<std::string> unreadable_dirs;

  cdi::ReadDirFn read_dir() {
    return [this](const std::string& dir) -> Result<std::vector<cdi::DirEntry>> {
      if (unreadable_dirs.contains(dir)) return fail(Errc::io, "read directory `" + dir + "`", 13);
      auto it = dirs.find(dir);
      if (it == dirs.end()) return fail(Errc::not_found, "read directory `" + dir + "`", 2);
      std::vector<cdi::DirEntry> out;
      for (const auto& [name, content] : it->second)
        out.push_back({name.ends_with("/") ? name.substr(0, name.size() - 1) : name, !name.ends_with("/")});
      return out;
    };
  }
  cdi::ReadFileFn read_file() {
    return [this](const std::string& path) -> Result<std::string> {
      const auto slash = path.rfind('/');
      auto dir = dirs.find(path.substr(0, slash));
      if (dir == dirs.end() || !dir->second.contains(path.substr(slash + 1)))
        return fail(Errc::not_found, "open `" + path + "`", 2);
      return dir->second.at(path.substr(slash + 1));
    };
  }
  cdi::Registry load(const std::vector<std::string>& order) {
    auto r = cdi::load_registry(order, read_dir(), read_file());
    REQUIRE(r);
    return *r;
  }
};

// A YAML spec of `kind` with one device per name; each device sets MARK=<mark>.
std::string spec(const std::string& kind, const std::vector<std::string>& names, const std::string& mark,
                 const std::string& common = "") {
  std::string out = "cdiVersion: 0.5.0\nkind: " + kind + "\ndevices:\n";
  for (const auto& n : names) out += "- name: \"" + n + "\"\n  containerEdits: {env: [MARK=" + mark + "]}\n";
  if (!common.empty()) out += "containerEdits: {env: [COMMON=" + common + "]}\n";
  return out;
}

std::string mark_of(const cdi::ResolvedEdits& step) { return step.edits.env.at(0); }

} // namespace

TEST_CASE("cdi registry: reads only spec files directly in each directory", "[cdi][registry]") {
  FakeFs fs;
  fs.dirs["/etc/cdi"] = {{"a.yaml", spec("nvidia.com/gpu", {"0"}, "a")},
                         {"b.json", R"({"cdiVersion":"0.3.0","kind":"amd.com/gpu","devices":[{"name":"x","containerEdits":{"env":["A=1"]}}]})"},
                         {"c.yml", spec("skip.com/yml", {"0"}, "c")},
                         {"d.txt", spec("skip.com/txt", {"0"}, "d")},
                         {"sub.yaml/", ""},
                         {"README", "not a spec"}};
  auto r = fs.load({"/etc/cdi", "/var/run/cdi"}); // a missing directory is fine
  CHECK(r.list() == std::vector<std::string>{"amd.com/gpu=x", "nvidia.com/gpu=0"});
  CHECK(r.errors().empty());
  REQUIRE(r.specs().size() == 2);
  CHECK(r.specs()[0].path == "/etc/cdi/a.yaml");
  CHECK(r.specs()[0].priority == 0);
}

TEST_CASE("cdi registry: later directories win", "[cdi][registry]") {
  FakeFs fs;
  fs.dirs["/etc/cdi"] = {{"nvidia.yaml", spec("nvidia.com/gpu", {"0", "1"}, "static")}};
  fs.dirs["/var/run/cdi"] = {{"nvidia.yaml", spec("nvidia.com/gpu", {"0"}, "dynamic")}};
  auto r = fs.load({"/etc/cdi", "/var/run/cdi"});
  CHECK(r.errors().empty());
  CHECK(r.list() == std::vector<std::string>{"nvidia.com/gpu=0", "nvidia.com/gpu=1"});
  auto steps = r.resolve({"nvidia.com/gpu=0", "nvidia.com/gpu=1"});
  REQUIRE(steps);
  REQUIRE(steps->size() == 2);
  CHECK(mark_of((*steps)[0]) == "MARK=dynamic");
  CHECK((*steps)[0].spec_path == "/var/run/cdi/nvidia.yaml");
  CHECK(mark_of((*steps)[1]) == "MARK=static");

  auto reversed = fs.load({"/var/run/cdi", "/etc/cdi"});
  CHECK(mark_of(reversed.resolve({"nvidia.com/gpu=0"})->at(0)) == "MARK=static");
}

TEST_CASE("cdi registry: the same device in two files of one directory is a conflict", "[cdi][registry]") {
  FakeFs fs;
  fs.dirs["/etc/cdi"] = {{"a.yaml", spec("nvidia.com/gpu", {"0", "1"}, "a")},
                         {"b.yaml", spec("nvidia.com/gpu", {"0", "2"}, "b")}};
  auto r = fs.load({"/etc/cdi"});
  CHECK(r.list() == std::vector<std::string>{"nvidia.com/gpu=1", "nvidia.com/gpu=2"});
  REQUIRE(r.errors().size() == 2);
  CHECK(r.errors()[0].path == "/etc/cdi/a.yaml");
  CHECK(r.errors()[1].path == "/etc/cdi/b.yaml");
  CHECK(r.errors()[0].error.message() ==
        "conflicting CDI device `nvidia.com/gpu=0`: defined in `/etc/cdi/a.yaml`, `/etc/cdi/b.yaml`");
  auto refused = r.resolve({"nvidia.com/gpu=1", "nvidia.com/gpu=0"});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == Errc::unknown_device);
  CHECK(refused.error().message().starts_with(
      "resolve CDI devices: unresolvable CDI devices `nvidia.com/gpu=0`; `nvidia.com/gpu=0` is defined in "
      "`/etc/cdi/a.yaml`, `/etc/cdi/b.yaml`"));

  // A later directory that defines the device settles it.
  fs.dirs["/var/run/cdi"] = {{"c.yaml", spec("nvidia.com/gpu", {"0"}, "c")}};
  auto settled = fs.load({"/etc/cdi", "/var/run/cdi"});
  CHECK(settled.errors().empty());
  CHECK(mark_of(settled.resolve({"nvidia.com/gpu=0"})->at(0)) == "MARK=c");
}

TEST_CASE("cdi registry: a bad file does not hide the others", "[cdi][registry]") {
  FakeFs fs;
  fs.dirs["/etc/cdi"] = {{"a.yaml", spec("nvidia.com/gpu", {"0"}, "a")},
                         {"broken.yaml", "cdiVersion: 0.5.0\nkind: x.com/y\ndevices:\n- name: 0\n  containerEdit: {}\n"},
                         {"invalid.json", R"({"cdiVersion":"0.3.0","kind":"x.com/y","devices":[]})"},
                         {"z.yaml", spec("amd.com/gpu", {"0"}, "z")}};
  fs.unreadable_dirs.insert("/var/run/cdi");
  auto r = fs.load({"/etc/cdi", "/var/run/cdi"});
  CHECK(r.list() == std::vector<std::string>{"amd.com/gpu=0", "nvidia.com/gpu=0"});
  REQUIRE(r.errors().size() == 3);
  CHECK(r.errors()[0].path == "/etc/cdi/broken.yaml");
  CHECK(r.errors()[0].error.message() == "parse `/etc/cdi/broken.yaml`: devices[0].containerEdit: unknown field (line 5)");
  CHECK(r.errors()[1].error.message() == "validate `/etc/cdi/invalid.json`: devices: at least one device is required");
  CHECK(r.errors()[2].path == "/var/run/cdi");
  CHECK(r.errors()[2].error.code() == Errc::io);
  auto refused = r.resolve({"x.com/y=0"});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message() ==
        "resolve CDI devices: unresolvable CDI devices `x.com/y=0`; 3 spec error(s), the first: parse "
        "`/etc/cdi/broken.yaml`: devices[0].containerEdit: unknown field (line 5)");
}

TEST_CASE("cdi registry: resolve in request order, common edits once per spec", "[cdi][registry]") {
  FakeFs fs;
  fs.dirs["/etc/cdi"] = {{"amd.yaml", spec("amd.com/gpu", {"0"}, "amd0", "amd")},
                         {"nvidia.yaml", spec("nvidia.com/gpu", {"0", "1", "all"}, "nv", "nvidia")}};
  auto r = fs.load({"/etc/cdi"});
  auto steps = r.resolve({"nvidia.com/gpu=1", "amd.com/gpu=0", "nvidia.com/gpu=0", "nvidia.com/gpu=1"});
  REQUIRE(steps);
  std::vector<std::string> order;
  for (const auto& s : *steps) order.push_back(s.device.value_or("common:" + s.spec_path) + " " + mark_of(s));
  CHECK(order == std::vector<std::string>{"common:/etc/cdi/nvidia.yaml COMMON=nvidia", "nvidia.com/gpu=1 MARK=nv",
                                          "common:/etc/cdi/amd.yaml COMMON=amd", "amd.com/gpu=0 MARK=amd0",
                                          "nvidia.com/gpu=0 MARK=nv"});
  const auto merged = cdi::merge(*steps);
  CHECK(merged.env == std::vector<std::string>{"COMMON=nvidia", "MARK=nv", "COMMON=amd", "MARK=amd0", "MARK=nv"});

  auto none = r.resolve({});
  REQUIRE(none);
  CHECK(none->empty());
  auto bad = r.resolve({"nvidia.com/gpu=7", "nvidia.com/gpu=0", "0", "/dev/nvidia0"});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message() ==
        "resolve CDI devices: unresolvable CDI devices `nvidia.com/gpu=7`, `0`, `/dev/nvidia0`");
}

TEST_CASE("cdi registry: an empty directory name is refused", "[cdi][registry]") {
  FakeFs fs;
  auto r = cdi::load_registry({"/etc/cdi", ""}, fs.read_dir(), fs.read_file());
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == Errc::invalid_argument);
}
