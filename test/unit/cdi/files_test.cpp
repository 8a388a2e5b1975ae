// CDI specs on disk (label component): the registry over real directories, atomic spec writes, and
// independent readers: every spec nvrunc writes validates against the CDI project's JSON schema
// (python3-jsonschema) and reads in PyYAML as the same document as its JSON form.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <algorithm>

#include "cdi_support.hpp"
#include "nvrunc/cdi/read.hpp"
#include "nvrunc/cdi/registry.hpp"
#include "nvrunc/cdi/write.hpp"

using namespace nvrunc;

namespace {

const std::string script = std::string(NVRUNC_SOURCE_DIR) + "/test/unit/cdi/check_specs.py";

std::vector<cdi::Spec> sample_specs(bool schema_safe) {
  std::vector<cdi::Spec> out;
  for (const char* name : {"nvidia.yaml", "amd.json", "intel.yaml"}) {
    auto spec = cdi::parse_spec(test::cdi_fixture(name), name);
    REQUIRE(spec);
    out.push_back(*spec);
  }
  test::SpecGenerator gen(99);
  for (int i = 0; i < 150; ++i) out.push_back(gen.spec(schema_safe));
  return out;
}

// Runs check_specs.py; false (after a warning) when Python or its module is missing.
bool run_checker(const std::string& args, int& status, std::string& out) {
  auto r = test::run_command(std::string(NVRUNC_PYTHON3) + " " + script + " " + args + " 2>&1");
  if (r.status == 77 || r.status == 127) {
    WARN("skipped: python3 or the module check_specs.py needs is missing");
    return false;
  }
  status = r.status;
  out = r.out;
  return true;
}

mode_t file_mode(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

} // namespace

TEST_CASE("cdi files: every written spec validates against the CDI JSON schema", "[cdi][files][schema]") {
  if (!test::fs::is_regular_file(test::cdi_schema_dir() + "/schema.json")) {
    WARN("skipped: " << test::cdi_schema_dir() << " is absent");
    return;
  }
  test::TempDir dir;
  std::string args = "schema " + test::cdi_schema_dir();
  const auto specs = sample_specs(true);
  for (size_t i = 0; i < specs.size(); ++i) {
    const auto path = dir.path() / ("spec" + std::to_string(i) + ".json");
    test::write_file(path, cdi::to_json(specs[i]));
    args += " " + path.string();
  }
  int status = 0;
  std::string out;
  if (!run_checker(args, status, out)) return;
  INFO(out);
  CHECK(status == 0);
}

TEST_CASE("cdi files: PyYAML reads the YAML as the same document as the JSON", "[cdi][files][yaml]") {
  test::TempDir dir;
  std::string args = "yaml";
  const auto specs = sample_specs(false);
  for (size_t i = 0; i < specs.size(); ++i) {
    const auto base = dir.path() / ("spec" + std::to_string(i));
    test::write_file(base.string() + ".yaml", cdi::to_yaml(specs[i]));
    test::write_file(base.string() + ".json", cdi::to_json(specs[i]));
    args += " " + base.string() + ".yaml " + base.string() + ".json";
  }
  int status = 0;
  std::string out;
  if (!run_checker(args, status, out)) return;
  INFO(out);
  CHECK(status == 0);
}

TEST_CASE("cdi files: write_spec_file validates, then replaces atomically with mode 0644", "[cdi][files]") {
  test::TempDir dir;
  auto spec = cdi::parse_spec(test::cdi_fixture("amd.json"), "amd.json");
  REQUIRE(spec);
  const std::string path = dir.str() + "/amd.yaml";
  test::write_file(path, "old");
  ::chmod(path.c_str(), 0600);
  REQUIRE(cdi::write_spec_file(path, *spec, cdi::Format::yaml));
  CHECK(test::read_file(path) == cdi::to_yaml(*spec));
  CHECK(file_mode(path) == 0644);
  CHECK(test::list_dir(dir.path()) == std::vector<std::string>{"amd.yaml"}); // no temporary left

  cdi::Spec invalid = *spec;
  invalid.kind = "nope";
  auto refused = cdi::write_spec_file(path, invalid, cdi::Format::json);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == Errc::bad_spec);
  CHECK(refused.error().message().starts_with("validate `" + path + "`: kind: "));
  CHECK(test::read_file(path) == cdi::to_yaml(*spec)); // untouched

  auto missing_dir = cdi::write_spec_file(dir.str() + "/no/such/dir/x.json", *spec, cdi::Format::json);
  REQUIRE_FALSE(missing_dir);
  CHECK(missing_dir.error().message().starts_with("write CDI spec: "));
}

TEST_CASE("cdi files: the registry over real directories", "[cdi][files][registry]") {
  test::TempDir root;
  const std::string etc = root.str() + "/etc/cdi", run = root.str() + "/run/cdi";
  test::write_file(etc + "/nvidia.yaml", test::cdi_fixture("nvidia.yaml"));
  test::write_file(etc + "/amd.json", test::cdi_fixture("amd.json"));
  test::write_file(etc + "/nested/intel.yaml", test::cdi_fixture("intel.yaml")); // not read: no recursion
  test::write_file(etc + "/notes.txt", "x");
  test::write_file(run + "/broken.yaml", "devices: [");
  test::fs::create_directory_symlink(etc + "/nested", etc + "/linked.yaml"); // a directory, not a file
  test::fs::create_symlink(etc + "/nested/intel.yaml", run + "/intel.yaml"); // a link to a file is read
  auto r = cdi::load_registry({etc, run, root.str() + "/missing"});
  REQUIRE(r);
  const auto names = r->list();
  CHECK(std::count(names.begin(), names.end(), "nvidia.com/gpu=all") == 1);
  CHECK(std::count(names.begin(), names.end(), "amd.com/gpu=0") == 1);
  CHECK(std::count(names.begin(), names.end(), "intel.com/gpu=card1") == 1);
  CHECK(names.size() == 5 + 3 + 2);
  REQUIRE(r->errors().size() == 1);
  CHECK(r->errors()[0].path == run + "/broken.yaml");
  auto steps = r->resolve({"nvidia.com/gpu=0", "amd.com/gpu=all"});
  REQUIRE(steps);
  CHECK(steps->size() == 4);
}
