// config.toml: NVIDIA-compatible keys, [nvrunc] keys, defaults and clear errors.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "nvrunc/config/config.hpp"
#include "test_util.hpp"

using namespace nvrunc;

TEST_CASE("config: defaults", "[config]") {
  auto c = config::parse("", "empty.toml");
  REQUIRE(c);
  CHECK(c->runtimes == std::vector<std::string>{"runc", "crun"});
  CHECK(c->accept_envvar_unprivileged);
  CHECK_FALSE(c->accept_volume_mounts);
  CHECK(c->driver_root == "/");
  CHECK(c->effective_dev_root() == "/");
  CHECK(c->proc_root == "/proc");
  CHECK(c->ldconfig == "@/sbin/ldconfig");
  CHECK(c->supported_capabilities == Capabilities::all());
  CHECK(c->source == "empty.toml");
}

TEST_CASE("config: an unmodified nvidia-container-toolkit file is accepted", "[config]") {
  const char* toolkit = R"(
#accept-nvidia-visible-devices-as-volume-mounts = false
accept-nvidia-visible-devices-envvar-when-unprivileged = false
disable-require = false
supported-driver-capabilities = "compat32,compute,display,graphics,ngx,utility,video"
swarm-resource = "DOCKER_RESOURCE_GPU"

[nvidia-container-cli]
environment = []
ldconfig = "@/sbin/ldconfig.real"
load-kmods = true
no-cgroups = false
root = "/run/nvidia/driver"

[nvidia-container-runtime]
debug = "/var/log/nvidia-container-runtime.log"
log-level = "info"
mode = "auto"
runtimes = ["docker-runc", "runc", "crun"]

[nvidia-container-runtime.modes.cdi]
annotation-prefixes = ["cdi.k8s.io/"]
default-kind = "nvidia.com/gpu"
spec-dirs = ["/etc/cdi", "/var/run/cdi"]

[nvidia-container-runtime.modes.csv]
mount-spec-path = "/etc/nvidia-container-runtime/host-files-for-container.d"

[nvidia-container-runtime-hook]
path = "nvidia-container-runtime-hook"
skip-mode-detection = false

[nvidia-ctk]
path = "nvidia-ctk"

[features]
allow-cuda-compat-libs-from-container = false
)";
  auto c = config::parse(toolkit, "config.toml");
  REQUIRE(c);
  CHECK_FALSE(c->accept_envvar_unprivileged);
  CHECK(c->swarm_resource == std::vector<std::string>{"DOCKER_RESOURCE_GPU"});
  CHECK(c->driver_root == "/run/nvidia/driver");
  CHECK(c->effective_dev_root() == "/run/nvidia/driver");
  CHECK(c->ldconfig == "@/sbin/ldconfig.real");
  CHECK(c->runtimes == std::vector<std::string>{"docker-runc", "runc", "crun"});
  CHECK(c->log_file == "/var/log/nvidia-container-runtime.log");
}

TEST_CASE("config: nvrunc keys", "[config]") {
  auto c = config::parse(R"(
[nvrunc]
driver-root = "/mock"
dev-root = "/mockdev"
proc-root = "/mock/proc"
binary-search-paths = ["/opt/bin"]
hook-path = "/opt/nvrunc-hook"
cache-dir = ""
)", "t");
  REQUIRE(c);
  CHECK(c->driver_root == "/mock");
  CHECK(c->effective_dev_root() == "/mockdev");
  CHECK(c->proc_root == "/mock/proc");
  CHECK(c->binary_search_paths == std::vector<std::string>{"/opt/bin"});
  CHECK(c->hook_path == "/opt/nvrunc-hook");
  CHECK(c->cache_dir.empty()); // no snapshot
  CHECK(config::Config{}.cache_dir == "/run/nvrunc");
  CHECK_FALSE(config::parse("[nvrunc]\ncache-dir = \"run/nvrunc\"", "t")); // relative: refused
}

TEST_CASE("config: errors name the file, the key and what is expected", "[config]") {
  struct Row {
    const char* text;
    const char* expect;
  };
  const std::vector<Row> rows = {
      {"runtimes = [", "line 1"},
      {"[nvidia-container-runtime]\nruntimes = \"runc\"", "expected an array of strings"},
      {"[nvidia-container-runtime]\nruntimes = []", "`runtimes` is empty"},
      {"disable-require = \"yes\"", "expected true or false"},
      {"supported-driver-capabilities = \"compute,gaming\"", "gaming"},
      {"[nvidia-container-cli]\nldconfig = \"/sbin/ldconfig\"", "only a host ldconfig"},
      {"[nvrunc]\ndriver-root = \"relative\"", "not an absolute path"},
      {"[nvrunc]\ndriverroot = \"/x\"", "unknown key `nvrunc.driverroot`"},
      {"[nvrunc]\nnvml-timeout = 0", "expected 1 to 3600"},
      {"[nvrunc]\nnvml-timeout = \"30s\"", "expected a whole number of seconds"},
  };
  for (const auto& row : rows) {
    auto c = config::parse(row.text, "/etc/nvrunc/config.toml");
    INFO(row.text);
    REQUIRE_FALSE(c);
    CHECK(c.error().code() == Errc::bad_config);
    CHECK(c.error().what().find("/etc/nvrunc/config.toml") != std::string::npos);
    CHECK(c.error().what().find(row.expect) != std::string::npos);
  }
}

TEST_CASE("config: NVRUNC_CONFIG is honoured, and a missing named file is an error", "[config]") {
  test::TempDir dir;
  const std::string path = dir.str() + "/c.toml";
  test::write_file(path, "[nvrunc]\nproc-root = \"/p\"\n");
  ::setenv("NVRUNC_CONFIG", path.c_str(), 1);
  CHECK(config::locate() == path);
  auto c = config::load();
  REQUIRE(c);
  CHECK(c->proc_root == "/p");
  CHECK(c->source == path);
  ::setenv("NVRUNC_CONFIG", (dir.str() + "/missing.toml").c_str(), 1);
  auto missing = config::load();
  REQUIRE_FALSE(missing);
  CHECK(missing.error().what().find("NVRUNC_CONFIG") != std::string::npos);
  ::unsetenv("NVRUNC_CONFIG");
}

TEST_CASE("config: the shipped config/config.toml documents the true defaults", "[config]") {
  const std::string shipped = test::read_file(std::string(NVRUNC_SOURCE_DIR) + "/config/config.toml");
  REQUIRE_FALSE(shipped.empty());
  auto as_is = config::parse(shipped, "config.toml");
  REQUIRE(as_is);
  // Uncomment every "#key = value" line: the result must still be the defaults.
  std::string uncommented;
  for (const auto& line : test::split_lines(shipped)) {
    bool setting = line.size() > 1 && line[0] == '#' && line[1] != ' ' && line.find(" = ") != std::string::npos;
    uncommented += (setting ? line.substr(1) : line) + "\n";
  }
  auto explicit_defaults = config::parse(uncommented, "config.toml");
  REQUIRE(explicit_defaults);
  const config::Config d;
  for (const auto* c : {&*as_is, &*explicit_defaults}) {
    CHECK(c->runtimes == d.runtimes);
    CHECK(c->accept_envvar_unprivileged == d.accept_envvar_unprivileged);
    CHECK(c->accept_volume_mounts == d.accept_volume_mounts);
    CHECK(c->disable_require == d.disable_require);
    CHECK(c->supported_capabilities == d.supported_capabilities);
    CHECK(c->driver_root == d.driver_root);
    CHECK(c->effective_dev_root() == d.effective_dev_root());
    CHECK(c->proc_root == d.proc_root);
    CHECK(c->sys_root == d.sys_root);
    CHECK(c->ldcache == d.ldcache);
    CHECK(c->ldconfig == d.ldconfig);
    CHECK(c->binary_search_paths == d.binary_search_paths);
    CHECK(c->hook_path == d.hook_path);
    CHECK(c->cache_dir == d.cache_dir);
    CHECK(c->log_level == d.log_level);
    CHECK(c->log_file == d.log_file);
    CHECK(c->cdi_spec_dirs == d.cdi_spec_dirs);
    CHECK(c->cdi_default_kind == d.cdi_default_kind);
    CHECK(c->cdi_annotation_prefixes == d.cdi_annotation_prefixes);
    CHECK(c->cdi_regenerate_stale == d.cdi_regenerate_stale);
    CHECK(c->nvml_timeout_s == d.nvml_timeout_s);
  }
}

// Found by fuzz_config (test/fuzz/regressions/config/): toml++ 3.3 reaches __builtin_unreachable()
// on non-ASCII characters where it expects whitespace. Refused before toml++ sees them; non-ASCII
// text in strings and comments stays fine.
TEST_CASE("config: non-ASCII outside strings and comments is refused, inside them accepted", "[config][regression]") {
  struct Row {
    const char* text;
    const char* why;
  };
  for (const auto& row : std::vector<Row>{
           {"\xd0\x93", "outside a string or comment"},
           {"log-level = \"info\" \xc2\xa9 2024\n", "outside a string or comment"},
           {"[nvrunc]\n\xe2\xb5\xae = 1\n", "outside a string or comment"},
           {"s = \"\"\"\\\n\xc2\xa7\"\"\"\n", "after a line-ending backslash"},
           {"s = \"\"\"\\\xc2\xa7", "after a backslash (an invalid escape)"}, // regressions/config/toml-nonascii-after-escape-backslash
           {"s = \"\\\xc2\xa7\"", "after a backslash (an invalid escape)"},
           {"s =+)\"\"\"\"\xc2\xa7\"", "outside a string or comment"}, // regressions/config/toml-nonascii-in-bare-value
           {"s = x'\xc2\xa7'", "outside a string or comment"},
       }) {
    INFO(row.text);
    auto c = config::parse(row.text, "/etc/nvrunc/config.toml");
    REQUIRE_FALSE(c);
    CHECK(c.error().code() == Errc::bad_config);
    CHECK(c.error().what().find(std::string("non-ASCII character ") + row.why) != std::string::npos);
  }
  auto c = config::parse("# Grüße, © 2024\n[nvidia-container-runtime]\nlog-level = \"info\" # ©\n"
                         "[nvidia-container-cli]\nuser = 'Ünïcode'\nroot = \"\"\"\n/\"\"\"\nenvironment = []\n",
                         "c.toml");
  REQUIRE(c);
  CHECK(c->source == "c.toml");
  // Malformed text where the scan above cannot tell strings apart as toml++ does: toml++ reads
  // `7v'''...` as one bare value and asks about every character up to a terminator.
  // regressions/config/toml-nonascii-in-bare-value-2:
  for (const char* text : {"9=7v'''''''51[nvid3uncUT0.\"\x1c[\xc2\xa7\xee\xee\n", "x = 1'''\xc2\xa7'''\n",
                           "x = [1, 2'\xd0\x93']\n", "x = 0.'\xc2\xa7'\n"}) {
    INFO(text);
    auto malformed = config::parse(text, "c.toml");
    REQUIRE_FALSE(malformed);
    CHECK(malformed.error().code() == Errc::bad_config);
    CHECK(malformed.error().what().find("parse `c.toml` at line 1, column ") != std::string::npos);
  }
  auto at_char = config::parse("[a]\nx = 'ok' \xc2\xa9\n", "c.toml");
  REQUIRE_FALSE(at_char);
  CHECK(at_char.error().what() == "parse `c.toml` at line 2, column 10: non-ASCII character outside a string or comment");
  auto bad = config::parse("log-level = 1 # ok\nx = \xc2\xa9", "c.toml");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().what().find("line 2, column 5") != std::string::npos);
}

// Found by fuzz_config (regressions/config/toml-table-header-bad-key-start, toml-array-brace):
// toml++ 3.3's debug assertions fire on these; they are parse errors like any other.
TEST_CASE("config: malformed tables and arrays are parse errors", "[config][regression]") {
  for (const char* text : {"[/x]\n", "  [[ /x]]\n", "s=[}", "a=[1,}", "x={a=}"}) {
    INFO(text);
    auto c = config::parse(text, "c.toml");
    REQUIRE_FALSE(c);
    CHECK(c.error().code() == Errc::bad_config);
    CHECK(c.error().what().find("parse `c.toml` at line 1") != std::string::npos);
  }
}

// The reader of plain TOML (src/config/toml_subset.hpp) must read what toml++ reads, and leave
// everything else to toml++ (fuzz_config compares the two on every input).
TEST_CASE("config: plain files take the subset reader and read as toml++ reads them", "[config]") {
  const std::string shipped = test::read_file(std::string(NVRUNC_SOURCE_DIR) + "/config/config.toml");
  REQUIRE_FALSE(shipped.empty());
  for (const std::string& text : std::vector<std::string>{
           shipped,
           "",
           "\n\r\n  \t\n# only a comment",
           "[nvrunc]\ncache-dir = \"\"\nnvml-timeout = 30 # s\nruntimes = [\"/usr/bin/runc\"]",
           "a = \"t\\tq\\\"b\\\\n\\n\\b\\f\\r\"\r\nb = 'C:\\x\" #'\nc = ''\nd = \"\"\n",
           "i = 0\nj = -0\nk = +17\nl = -123456789012345678\nm = true\nn = false\n",
           "x = [\n  \"a\", # one\n  'b',\n\n  1, true, # mixed, as TOML 1.0 allows\n]\ny = []\nz = [ ]",
           "[a.b.c]\nx = 1\n[a]\ny = 2\n[ a . d ]\n[a.b]\nz = 3\n",
           "top = 1\n[t]\ntop = 2\n[t2] # after\n\tk\t=\t\"v\"\t# c\n",
           // comments are passed over eight bytes at a time: tabs and line ends in every lane
           "# a long comment\twith a tab in its second word, and more text after it\nx = 1\n",
           "#1234567\n#12345678\n#123456789\r\n#\t\t\t\t\t\t\t\t\t\n# 1234567890123456 # 12345678",
       }) {
    INFO(text);
    CHECK(config::detail::toml_subset_agrees(text) == std::optional<bool>(true));
  }
  // Outside the subset: toml++ decides, whether valid or not.
  for (const char* text : {
           "a.b = 1",             // dotted key
           "\"quoted\" = 1",      // quoted key
           "t = {a = 1}",         // inline table
           "f = 1.5", "e = 1e3", "h = 0x10", "u = 1_000", "o = 01", "big = 1234567890123456789",
           "huge = 55555555555555555555555", // regressions/config/toml-subset-integer-overflow
           "d = 1979-05-27", "s = \"\\u00e9\"", "s = \"\\/\"", "s = \"\"\"x\"\"\"", "s = '''x'''",
           "n = [[1], [2]]",      // nested array
           "[[tables]]\n",        // array of tables
           "# \xc2\xa9\n",        // non-ASCII, even in a comment
           "# a comment long enough to fill words \xc2\xa9 and more\n",
           "# a comment long enough to fill words \x7f and more\n",     // DEL
           "# a comment long enough to fill words \x01 and more\n",     // a control character
           "# a comment long enough to fill words and a lone CR\r",
           "s = \"\x7f\"",        // DEL
           "a = 1\ra = 2",        // a lone carriage return
           "a = 1\na = 2",        // duplicate key
           "[t]\n[t]",            // table defined twice
           "a = 1\n[a]",          // a table over a key
           "[a]\nb = 1\n[a.b]",   // a table over a key
           "[a.b]\n[a]\nb = 1",   // a key over a table
           "a = truex", "a = 1 2", "a = [1 2]", "a = [1,", "a = \"open", "[a", "[]", "= 1", "a",
       }) {
    INFO(text);
    CHECK(config::detail::toml_subset_agrees(text) == std::nullopt);
  }
}

TEST_CASE("config: a file outside the subset gets toml++'s result, errors included", "[config]") {
  auto ok = config::parse("[nvidia-container-runtime]\nruntimes = [\"runc\"]\nlog-level = \"\"\"debug\"\"\"\n", "c.toml");
  REQUIRE(ok);
  CHECK(ok->log_level == "debug");
  auto dup = config::parse("[nvrunc]\ncache-dir = \"\"\ncache-dir = \"/run/x\"\n", "c.toml");
  REQUIRE_FALSE(dup);
  CHECK(dup.error().what().find("parse `c.toml` at line 3") != std::string::npos);
}

TEST_CASE("config: a byte-order mark is skipped, as toml++ does", "[config]") {
  auto plain = config::parse("\xef\xbb\xbf[nvidia-container-runtime]\nruntimes = [\"crun\"]\n", "c.toml");
  REQUIRE(plain);
  CHECK(plain->runtimes == std::vector<std::string>{"crun"});
  auto with_text = config::parse("\xef\xbb\xbf\"k\" = 'x' # \xc2\xa9\n[nvidia-container-runtime]\nruntimes = [\"crun\"]\n", "c.toml");
  REQUIRE(with_text);
  CHECK(with_text->runtimes == std::vector<std::string>{"crun"});
}

// parse_ascii_copy reports toml++'s error on the copy, and says so when it falls on a non-ASCII
// character (here in a comment, after a lone carriage return).
TEST_CASE("config: an error on a non-ASCII character says how toml++ saw it", "[config]") {
  auto c = config::parse("# x\r\xc2\xa7\n", "c.toml");
  REQUIRE_FALSE(c);
  CHECK(c.error().what().find("parse `c.toml` at line 1") != std::string::npos);
  CHECK(c.error().what().find("non-ASCII character outside") == std::string::npos);
}
