// config.json load/save: lossless (unknown keys, order, 64-bit integers), layout-preserving, atomic.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <random>

#include "nvrunc/spec/document.hpp"
#include "nvrunc/spec/view.hpp"
#include "test_util.hpp"

using namespace nvrunc;

TEST_CASE("spec: round trip keeps unknown keys, order and exact integers", "[spec]") {
  const std::string text =
      R"({"ociVersion":"1.3.0","zzz":{"b":1,"a":2},"linux":{"resources":{"memory":{"limit":18446744073709551615,"swap":-9223372036854775808}},"netDevices":{"eth1":{}}},"aaa":[3,2,1],"f":1.5,"u":"\u00e9\u003c"})";
  auto json = spec::parse(text, "t");
  REQUIRE(json);
  auto out = spec::serialize(*json, spec::Layout{});
  CHECK(out == R"({"ociVersion":"1.3.0","zzz":{"b":1,"a":2},"linux":{"resources":{"memory":{"limit":18446744073709551615,"swap":-9223372036854775808}},"netDevices":{"eth1":{}}},"aaa":[3,2,1],"f":1.5,"u":"é<"})");
}

TEST_CASE("spec: layout detection", "[spec]") {
  CHECK(spec::detect_layout(R"({"a":1})").indent == -1);
  auto tabs = spec::detect_layout("{\n\t\"a\": 1\n}\n");
  CHECK(tabs.indent == 1);
  CHECK(tabs.indent_char == '\t');
  CHECK(tabs.trailing_newline);
  auto spaces = spec::detect_layout("{\n    \"a\": 1\n}");
  CHECK(spaces.indent == 4);
  CHECK(spaces.indent_char == ' ');
  CHECK_FALSE(spaces.trailing_newline);
}

TEST_CASE("spec: a runc-spec layout survives a round trip byte for byte", "[spec]") {
  const std::string text = "{\n\t\"ociVersion\": \"1.0.2\",\n\t\"process\": {\n\t\t\"terminal\": true,\n\t\t\"args\": [\n\t\t\t\"sh\"\n\t\t]\n\t}\n}";
  auto json = spec::parse(text, "t");
  REQUIRE(json);
  CHECK(spec::serialize(*json, spec::detect_layout(text)) == text);
}

TEST_CASE("spec: bad input is a clear error", "[spec]") {
  auto bad = spec::parse("{\"a\": ", "cfg");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code() == Errc::bad_spec);
  CHECK(bad.error().what().find("cfg") != std::string::npos);
  std::string deep(100000, '[');
  auto d = spec::parse(deep, "deep");
  REQUIRE_FALSE(d);
  CHECK(d.error().what().find("nested deeper") != std::string::npos);
}

TEST_CASE("spec: the fast path gives nlohmann's tree or nlohmann's error", "[spec]") {
  // Inside the fast path's subset, at its edges, and just outside it (then nlohmann parses).
  const std::string texts[] = {
      R"({"a":[1,-2,0,-0,18446744073709551615,-9223372036854775808],"b":{"c":null,"d":true,"e":false}})",
      "{\"esc\":\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t\",\"del\":\"\x7f\"}",
      " \t\r\n[ ] ", "{}", "[]", "\"s\"", "0", "-1", "true", "null",
      R"({"a":1,"a":2,"b":3,"a":4})",                           // a repeated key: first place, last value
      R"({"big":18446744073709551616,"neg":-9223372036854775809})", // beyond 64 bits: refused
      R"({"f":1.5,"e":1e3,"E":-2E-2})", R"({"u":"\u00e9\ud83d\ude00"})", "{\"utf8\":\"\xc3\xa9\"}",
      "\xef\xbb\xbf{\"bom\":1}", "{\"bad\":\"\xc3\x28\"}", "{\"ctl\":\"a\x01\"}",
      "", " ", "{", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "01", "-", "1x", "[1 2]", "tru", "nul", "{}x",
      "[\"\\x\"]", "[\"\\u12\"]", "{\"a\":}", "[-01]", "[1.]", "[.5]", "{\"a\":1}{}",
      std::string(300, '[') + std::string(300, ']'), "[" + std::string(255, '[') + std::string(256, ']'),
  };
  for (const auto& text : texts) {
    INFO(text);
    auto fast = spec::parse(text, "t");
    auto reference = spec::detail::parse_reference(text, "t");
    REQUIRE(static_cast<bool>(fast) == static_cast<bool>(reference));
    if (fast) CHECK(spec::detail::identical(*fast, *reference));
    else CHECK(fast.error().what() == reference.error().what());
  }
  auto exact = spec::parse(R"({"m":18446744073709551615,"n":-9223372036854775808,"z":-0})", "t");
  REQUIRE(exact);
  CHECK((*exact)["m"].is_number_unsigned());
  CHECK((*exact)["n"].is_number_integer());
  CHECK_FALSE(spec::detail::identical(spec::Json(1u), spec::Json(1))); // the helper tells types apart
  CHECK_FALSE(spec::detail::identical(spec::Json(1), spec::Json(1.0)));
  CHECK(spec::serialize(*exact, spec::Layout{}) == R"({"m":18446744073709551615,"n":-9223372036854775808,"z":0})");
}

TEST_CASE("spec: load and atomic save keep mode and content", "[spec]") {
  test::TempDir dir;
  const std::string path = dir.str() + "/config.json";
  test::write_file(path, "{\n  \"b\": 1,\n  \"a\": [1, 2]\n}\n");
  ::chmod(path.c_str(), 0600);
  auto doc = spec::load(dir.str());
  REQUIRE(doc);
  CHECK(doc->mode == 0600);
  doc->json["c"] = "new";
  REQUIRE(spec::save(*doc));
  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);
  CHECK(test::read_file(path) == "{\n  \"b\": 1,\n  \"a\": [\n    1,\n    2\n  ],\n  \"c\": \"new\"\n}\n");
  CHECK(test::list_dir(dir.str()) == std::vector<std::string>{"config.json"}); // no temporary left behind
}

TEST_CASE("spec: load errors", "[spec]") {
  test::TempDir dir;
  auto missing_bundle = spec::load(dir.str() + "/nope");
  REQUIRE_FALSE(missing_bundle);
  CHECK(missing_bundle.error().code() == Errc::not_found);
  CHECK(missing_bundle.error().what().find("bundle") != std::string::npos);
  auto missing_file = spec::load(dir.str());
  REQUIRE_FALSE(missing_file);
  CHECK(missing_file.error().code() == Errc::not_found);
  test::write_file(dir.str() + "/config.json", "[1,2]");
  auto not_object = spec::load(dir.str());
  REQUIRE_FALSE(not_object);
  CHECK(not_object.error().code() == Errc::bad_spec);
}

// Found by fuzz_spec (test/fuzz/regressions/spec/number-overflow): nlohmann throws out_of_range,
// not parse_error, for a number beyond a double's range.
TEST_CASE("spec: a number out of range is bad_spec, not an exception", "[spec][regression]") {
  auto r = spec::parse(R"({"ociVersion":"1.0.2","x":1e400})", "config.json");
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == Errc::bad_spec);
  CHECK(r.error().what() == "parse `config.json`: invalid JSON: a number is out of range");
}

TEST_CASE("spec views read what they need and never throw", "[spec]") {
  auto json = spec::parse(R"({
    "process": {"env": ["A=1", "NVIDIA_VISIBLE_DEVICES=0", 7, "NVIDIA_VISIBLE_DEVICES=1", "EMPTY="],
                "capabilities": {"bounding": ["CAP_CHOWN", "CAP_SYS_ADMIN"]}},
    "root": {"path": "rootfs"},
    "annotations": {"k": "v", "n": 1},
    "mounts": [{"destination": "/d", "source": "/dev/null", "type": "bind"}, 5]
  })", "t");
  REQUIRE(json);
  auto env = spec::process_env(*json);
  CHECK(env.size() == 4);
  CHECK(spec::env_value(env, "NVIDIA_VISIBLE_DEVICES") == "1"); // last wins
  CHECK(spec::env_value(env, "EMPTY") == "");
  CHECK_FALSE(spec::env_value(env, "MISSING"));
  CHECK(spec::has_bounding_capability(*json, "CAP_SYS_ADMIN"));
  CHECK_FALSE(spec::has_bounding_capability(*json, "CAP_NET_ADMIN"));
  CHECK(spec::annotations(*json) == std::map<std::string, std::string>{{"k", "v"}});
  CHECK(spec::rootfs_host_path(*json, "/b") == "/b/rootfs");
  CHECK(spec::mounts(*json).size() == 2);
  auto weird = spec::parse(R"({"process": 3, "root": [], "annotations": "x"})", "t");
  REQUIRE(weird);
  CHECK(spec::process_env(*weird).empty());
  CHECK(spec::root_path(*weird).empty());
  CHECK_FALSE(spec::has_bounding_capability(*weird, "CAP_SYS_ADMIN"));
}

// Found by the hostile-image tests: an integer beyond 64 bits came back as a rounded double.
TEST_CASE("spec: integers that do not fit in 64 bits are refused, not rounded", "[spec][regression]") {
  auto big = spec::parse(R"({"x-num":[123456789012345678901234567890]})", "config.json");
  REQUIRE_FALSE(big);
  CHECK(big.error().code() == Errc::bad_spec);
  CHECK(big.error().what().find("integer 123456789012345678901234567890 does not fit in 64 bits") != std::string::npos);
  CHECK_FALSE(spec::parse(R"({"a":18446744073709551616})", "c"));
  CHECK_FALSE(spec::parse(R"({"a":-9223372036854775809})", "c"));
  for (const char* ok : {R"({"a":18446744073709551615,"b":-9223372036854775808,"c":1.5e300,"d":"123456789012345678901234567890"})",
                         R"({"e":"\"99999999999999999999999","f":12345678901234567890.5,"g":-0.1e-5})"}) {
    INFO(ok);
    auto r = spec::parse(ok, "c");
    REQUIRE(r);
  }
  auto exact = spec::parse(R"({"a":18446744073709551615})", "c");
  REQUIRE(exact);
  CHECK((*exact)["a"].get<std::uint64_t>() == 18446744073709551615ull);
}

namespace {

// What spec::write puts into a file (a memfd), read back.
std::string written(const spec::Json& json, const spec::Layout& layout, const spec::Appendix* appendix = nullptr) {
  const int fd = ::memfd_create("spec-write", MFD_CLOEXEC);
  REQUIRE(fd >= 0);
  auto r = spec::write(fd, json, layout, "memfd", appendix);
  REQUIRE(r);
  std::string text(static_cast<size_t>(::lseek(fd, 0, SEEK_END)), '\0');
  REQUIRE(::pread(fd, text.data(), text.size(), 0) == static_cast<ssize_t>(text.size()));
  ::close(fd);
  return text;
}

// serialize() has its own writer: it must print exactly what nlohmann's dump() prints, and
// spec::write (the same writer, through a buffer into a file) the same bytes.
void check_same_as_dump(const spec::Json& json) {
  for (const spec::Layout& layout : {spec::Layout{-1, ' ', false}, spec::Layout{-1, ' ', true}, spec::Layout{0, ' ', false},
                                     spec::Layout{1, '\t', true}, spec::Layout{2, ' ', false}, spec::Layout{4, ' ', true}}) {
    INFO("indent " << layout.indent << " char " << int(layout.indent_char));
    const std::string expected = (layout.indent < 0 ? json.dump() : json.dump(layout.indent, layout.indent_char)) +
                                 (layout.trailing_newline ? "\n" : "");
    CHECK(spec::serialize(json, layout) == expected);
    CHECK(written(json, layout) == expected);
  }
}

// A random tree of every JSON type, with strings drawn from pieces that need each kind of escape.
spec::Json random_json(std::mt19937& rng, int depth) {
  static const std::vector<std::string> pieces = {"a", "/usr/lib", " ", "\"", "\\", "\n", "\t", "\b", "\f", "\r",
                                                  std::string(1, '\0'), "\x01", "\x1f", "\x7f", "é", "日本", "😀", "~"};
  const auto text = [&] {
    std::string s;
    for (int n = rng() % 6; n > 0; --n) s += pieces[rng() % pieces.size()];
    return s;
  };
  switch (depth > 4 ? rng() % 6 : rng() % 8) {
  case 0: return nullptr;
  case 1: return rng() % 2 == 0;
  case 2: return static_cast<std::int64_t>(rng()) - static_cast<std::int64_t>(rng()) * 4096;
  case 3: return static_cast<std::uint64_t>(rng()) << 32 | rng();
  case 4: return std::ldexp(static_cast<double>(rng()) - 2e9, static_cast<int>(rng() % 200) - 100);
  case 5: return text();
  case 6: {
    spec::Json a = spec::Json::array();
    for (int n = rng() % 5; n > 0; --n) a.push_back(random_json(rng, depth + 1));
    return a;
  }
  default: {
    spec::Json o = spec::Json::object();
    for (int n = rng() % 5; n > 0; --n) o[text()] = random_json(rng, depth + 1);
    return o;
  }
  }
}

} // namespace

TEST_CASE("spec: serialize prints what nlohmann's dump prints", "[spec]") {
  for (const char* text : {
           R"({})", R"([])", R"("")", R"(0)", R"({"a":{},"b":[],"c":[{}],"d":[[]]})",
           R"({"s":"plain /path:with=all ~printable! chars?","q":"\"","b":"\\","nl":"a\nb","t":"\t","ctl":"\u0001\u001f\u0000","del":"\u007f"})",
           R"({"é":"\u00e9","日本語":"テキスト","emoji":"\ud83d\ude00","k\"ey":1,"k\\ey":2,"k\ney":3})",
           R"({"i":[0,-1,1,9223372036854775807,-9223372036854775808,18446744073709551615]})",
           R"({"d":[1.5,-0.0,0.0,0.1,100.0,1e20,1e300,-1.7976931348623157e308,5e-324,2.5e-10,123456789012345678901234.5]})",
           R"({"b":[true,false,null],"n":{"x":{"y":{"z":[1,[2,[3,{"w":null}]]]}}}})",
       }) {
    INFO(text);
    auto json = spec::parse(text, "t");
    REQUIRE(json);
    check_same_as_dump(*json);
  }
  spec::Json made = {{"int64 min", std::numeric_limits<std::int64_t>::min()},
                     {"uint64 max", std::numeric_limits<std::uint64_t>::max()},
                     {"negative zero", -0.0},
                     {"nan", std::nan("")},
                     {"infinity", HUGE_VAL},
                     {"binary", spec::Json::binary({1, 2, 3})}};
  check_same_as_dump(made);
  std::mt19937 rng(20240601);
  for (int i = 0; i < 300; ++i) check_same_as_dump(random_json(rng, 0));
}

// The writer checks strings eight bytes at a time: a byte that needs dump() in every lane of a
// word and in the tail, next to every neighbour that does not, must still reach dump().
TEST_CASE("spec: serialize finds a byte to escape at any place in a string", "[spec]") {
  const std::string specials[] = {std::string(1, '\0'), "\x01", "\x1f", "\"", "\\", "\x7f", "\x80", "\xc3\xa9", "\xff"};
  const std::string neighbours[] = {" ", "!", "#", "[", "]", "~", "A"}; // 0x20, 0x21, 0x23, 0x5b, 0x5d, 0x7e
  for (size_t length = 1; length <= 19; ++length)
    for (size_t at = 0; at < length; ++at)
      for (const auto& special : specials) {
        std::string s(length, 'x');
        s.replace(at, 1, special);
        const spec::Json json = {{"k", s}, {s, 1}};
        std::string expected;
        try {
          expected = json.dump();
        } catch (const nlohmann::json::type_error&) {
          CHECK_THROWS_AS(spec::serialize(json, spec::Layout{}), nlohmann::json::type_error);
          continue;
        }
        INFO("length " << length << " at " << at << " byte " << int(static_cast<unsigned char>(special[0])));
        CHECK(spec::serialize(json, spec::Layout{}) == expected);
      }
  for (const auto& n : neighbours) {
    const spec::Json json = {{"k", n + n + n + n + n + n + n + n + n}};
    CHECK(spec::serialize(json, spec::Layout{}) == json.dump());
  }
  // Longer than the writer's first buffer: it grows without losing what it wrote.
  spec::Json big = spec::Json::array();
  for (int i = 0; i < 3000; ++i) big.push_back("/usr/lib/x86_64-linux-gnu/libnvidia-ml.so." + std::to_string(i));
  CHECK(spec::serialize(big, spec::Layout{1, '\t', true}) == big.dump(1, '\t') + "\n");
}

// spec::write fills a 16 KiB buffer and writes it out whenever it is full: output that crosses it
// many times, and strings longer than it (written around the buffer), come out in order.
TEST_CASE("spec: write gives serialize's bytes, across its buffer and past it", "[spec]") {
  spec::Json big = spec::Json::object();
  for (int i = 0; i < 2000; ++i) big["k" + std::to_string(i)] = {{"path", "/usr/lib/x86_64-linux-gnu/libnvidia-ml.so." + std::to_string(i)}, {"n", i}};
  big["long"] = std::string(40000, 'x');
  big["long escaped"] = std::string(20000, 'y') + "\"\n" + std::string(20000, 'z');
  big[std::string(17000, 'K')] = std::string(16383, 'v');
  big["after"] = spec::Json::array({1, "two", nullptr, true, -3});
  for (const spec::Layout& layout : {spec::Layout{-1, ' ', false}, spec::Layout{1, '\t', true}, spec::Layout{4, ' ', true}})
    CHECK(written(big, layout) == spec::serialize(big, layout));
  // Binary data (never read from text): serialize()'s form, the file started again.
  spec::Json with_binary = big;
  with_binary["zz"] = spec::Json::binary({1, 2, 3});
  CHECK(written(with_binary, spec::Layout{2, ' ', false}) == spec::serialize(with_binary, spec::Layout{2, ' ', false}));
  // A file that cannot be written: the error, naming it.
  const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  auto r = spec::write(fd, big, spec::Layout{}, "/bundle/config.json");
  ::close(fd);
  REQUIRE_FALSE(r);
  CHECK(r.error().what().find("write `/bundle/config.json`") != std::string::npos);
}

TEST_CASE("spec: serialize refuses invalid UTF-8 as dump does", "[spec]") {
  const spec::Json bad = {{"k", std::string("\xff\xfe")}};
  CHECK_THROWS_AS(bad.dump(), nlohmann::json::type_error);
  CHECK_THROWS_AS(spec::serialize(bad, spec::Layout{}), nlohmann::json::type_error);
  spec::Json bad_key = spec::Json::object();
  bad_key[std::string("\xc3")] = 1;
  CHECK_THROWS_AS(spec::serialize(bad_key, spec::Layout{2, ' ', false}), nlohmann::json::type_error);
}

// parse() builds the tree itself: it must build what nlohmann's parse() builds, repeated keys included.
TEST_CASE("spec: parse builds what nlohmann's parse builds", "[spec]") {
  std::vector<std::string> texts = {R"({"a":1,"b":{"x":[1,2,{}]},"a":{"again":true},"c":[],"b":null})",
                                    R"([{"k":"v","k":"w"},[[]],"s",-0.0,1e-7,18446744073709551615,-1])", R"("top")",
                                    "  {\n\t\"ws\" : [ 1 , 2 ] }\n"};
  std::mt19937 rng(7);
  for (int i = 0; i < 200; ++i) texts.push_back(random_json(rng, 0).dump(i % 3 - 1));
  for (const auto& text : texts) {
    INFO(text);
    auto ours = spec::parse(text, "t");
    REQUIRE(ours);
    const auto theirs = spec::Json::parse(text);
    CHECK(*ours == theirs);
    CHECK(ours->dump() == theirs.dump()); // the same member order
  }
}

TEST_CASE("spec: parse errors name the byte nlohmann names", "[spec]") {
  for (const char* text : {"{\"a\": ", "{\"a\" 1}", "[1,]", "{} x", "", "[\"\\u12\"]", "{\"a\":tru}", "[\"\x01\"]"}) {
    INFO(text);
    size_t byte = 0;
    try {
      const auto ignored = spec::Json::parse(text);
      (void)ignored;
    } catch (const nlohmann::json::parse_error& e) {
      byte = e.byte;
    }
    REQUIRE(byte != 0);
    auto r = spec::parse(text, "t");
    REQUIRE_FALSE(r);
    CHECK(r.error().what() == "parse `t`: invalid JSON at byte " + std::to_string(byte));
  }
}

TEST_CASE("spec: nesting is refused beyond max_depth levels, not at it", "[spec]") {
  const auto nested = [](int levels) { return std::string(levels, '[') + std::string(levels, ']'); };
  CHECK(spec::parse(nested(spec::max_depth), "t"));
  auto deeper = spec::parse(nested(spec::max_depth + 1), "t");
  REQUIRE_FALSE(deeper);
  CHECK(deeper.error().what() == "parse `t`: nested deeper than 256 levels");
  auto objects = spec::parse("{\"a\":" + nested(spec::max_depth) + "}", "t");
  REQUIRE_FALSE(objects);
  CHECK(objects.error().code() == Errc::bad_spec);
  auto long_literal = spec::parse("[" + std::string(60, '9') + "]", "t");
  REQUIRE_FALSE(long_literal);
  CHECK(long_literal.error().what() == "parse `t`: integer " + std::string(40, '9') +
                                           " does not fit in 64 bits (it could not be written back exactly)");
}

namespace {

// Objects of every member kind after one array: what a tree holding them prints.
struct TestAppendix final : spec::Appendix {
  const spec::Json::array_t* array = nullptr;
  std::vector<spec::Json> objects; // each with members of the kinds ObjectPrinter prints
  size_t count(const spec::Json::array_t& a) const override { return &a == array ? objects.size() : 0; }
  void print(const spec::Json::array_t&, size_t i, spec::ObjectPrinter& out) const override {
    for (const auto& [key, value] : objects.at(i).items()) {
      if (value.is_string()) out.member(key, value.get_ref<const std::string&>());
      else if (value.is_boolean()) out.member(key, value.get<bool>());
      else if (value.is_number_integer()) out.member(key, value.get<std::int64_t>());
      else out.member(key, value.get<std::vector<std::string>>());
    }
  }
};

} // namespace

TEST_CASE("spec: an appendix's objects print as the same objects in the tree", "[spec]") {
  const std::vector<spec::Json> objects = {
      spec::Json::object(),
      {{"s", "plain"}, {"t", "a string well past sixteen bytes"}, {"e", "quote \" slash \\ tab \t \u00e9 \x01"}, {"empty", ""}},
      {{"n", -9223372036854775807LL - 1}, {"m", 9223372036854775807LL}, {"z", 0}, {"yes", true}, {"no", false}},
      {{"list", {"ro", "", "nosuid \"x\"", std::string(40, 'o')}}, {"none", std::vector<std::string>{}}},
  };
  for (const char* text : {R"({"a":[],"b":1})", R"({"a":[1,{"x":[]}],"b":[[]]})", R"([[],[[]]])"}) {
    auto tree = *spec::parse(text, "t");
    auto expected = tree;
    spec::Json& array = tree.is_object() ? tree["a"] : tree[1];
    TestAppendix appendix;
    appendix.array = &array.get_ref<const spec::Json::array_t&>();
    appendix.objects = objects;
    for (const auto& o : objects) (expected.is_object() ? expected["a"] : expected[1]).push_back(o);
    for (const spec::Layout& layout : {spec::Layout{-1, ' ', false}, spec::Layout{0, ' ', true}, spec::Layout{2, ' ', false},
                                       spec::Layout{1, '\t', true}, spec::Layout{8, ' ', false}}) {
      INFO(text << " indent " << layout.indent);
      CHECK(spec::serialize(tree, layout, &appendix) == spec::serialize(expected, layout));
      CHECK(written(tree, layout, &appendix) == spec::serialize(expected, layout));
    }
  }
  // Across the file's buffer many times.
  spec::Json tree = {{"a", spec::Json::array()}};
  TestAppendix appendix;
  appendix.array = &tree["a"].get_ref<const spec::Json::array_t&>();
  spec::Json expected = tree;
  for (int i = 0; i < 3000; ++i) {
    appendix.objects.push_back({{"destination", "/usr/lib/libnvidia-ml.so." + std::to_string(i)}, {"n", i}, {"o", {"ro"}}});
    expected["a"].push_back(appendix.objects.back());
  }
  CHECK(written(tree, spec::Layout{1, '\t', true}, &appendix) == spec::serialize(expected, spec::Layout{1, '\t', true}));
  // Binary data cannot be printed with an appendix: refused, not written without it.
  tree["zz"] = spec::Json::binary({1, 2, 3});
  const int fd = ::memfd_create("spec-write", MFD_CLOEXEC);
  REQUIRE(fd >= 0);
  auto r = spec::write(fd, tree, spec::Layout{}, "memfd", &appendix);
  ::close(fd);
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == Errc::bad_spec);
}
