// The comment-preserving TOML edit (src/engine/toml_doc.hpp): each kind of edit, and the fallback to
// a whole rewrite when an edit in place would not mean the target.
#include <catch2/catch.hpp>

#include "toml_doc.hpp"

using namespace nvrunc::engine::toml_doc;

namespace {

toml::table parsed(std::string_view text) {
  auto t = parse(text, "test.toml");
  if (!t) FAIL(t.error().what());
  return std::move(*t);
}

EditResult edit(std::string_view text, const std::function<void(toml::table&)>& change, Style style = {}) {
  const toml::table current = parsed(text);
  toml::table target = current;
  change(target);
  EditResult r = edit_to_match(text, target, style);
  CHECK(parsed(r.text) == target); // whatever happened, the text means the target
  return r;
}

} // namespace

TEST_CASE("toml_doc: values are replaced where they stand, with their comments") {
  auto r = edit("a = 1 # one\n[t]\nb = \"x\" # bee\nc = [1,\n  2] # multi\n", [](toml::table& t) {
    t.insert_or_assign("a", 2);
    ensure_table(t, {"t"}).insert_or_assign("b", "héé \"q\"");
    ensure_table(t, {"t"}).insert_or_assign("c", toml::array{3});
  });
  CHECK_FALSE(r.rewritten);
  CHECK(r.text == "a = 2 # one\n[t]\nb = \"héé \\\"q\\\"\" # bee\nc = [3] # multi\n");
}

TEST_CASE("toml_doc: code-point columns after non-ASCII text") {
  auto r = edit("[t]\nk = { name = \"é\", n = 1 }\nz = 5 # é\n", [](toml::table& t) {
    ensure_table(t, {"t"}).insert_or_assign("z", 6);
  });
  CHECK(r.text == "[t]\nk = { name = \"é\", n = 1 }\nz = 6 # é\n");
}

TEST_CASE("toml_doc: new keys join their section after its last key, in its indentation") {
  auto r = edit("top = 1\n\n[a]\n    x = 1\n    # trailing comment\n\n[b]\ny = 2\n", [](toml::table& t) {
    ensure_table(t, {"a"}).insert_or_assign("new", true);
    t.insert_or_assign("root_key", "v");
  });
  CHECK(r.text == "top = 1\nroot_key = \"v\"\n\n[a]\n    x = 1\n    new = true\n    # trailing comment\n\n[b]\ny = 2\n");
}

TEST_CASE("toml_doc: a root key goes above the comments of the first section") {
  auto r = edit("# header of a\n[a]\nx = 1\n", [](toml::table& t) { t.insert_or_assign("version", 2); });
  CHECK(r.text == "version = 2\n\n# header of a\n[a]\nx = 1\n");
}

TEST_CASE("toml_doc: new sections go after their closest relative") {
  const std::string text = "[p.a]\n  k = 1\n  [p.a.sub]\n    z = 1\n\n[q]\n  w = 1\n";
  auto r = edit(text, [](toml::table& t) { ensure_table(t, {"p", "b"}).insert_or_assign("v", 1); });
  CHECK(r.text == "[p.a]\n  k = 1\n  [p.a.sub]\n    z = 1\n\n[p.b]\n  v = 1\n\n[q]\n  w = 1\n");
  auto flat = edit("[x]\ny = 1", [](toml::table& t) { ensure_table(t, {"new", "deep"}).insert_or_assign("k", "v"); });
  CHECK(flat.text == "[x]\ny = 1\n\n[new.deep]\nk = \"v\"\n");
}

TEST_CASE("toml_doc: an implicit table gets a section of its own") {
  auto r = edit("[a.b.c]\nx = 1\n", [](toml::table& t) { ensure_table(t, {"a", "b"}).insert_or_assign("k", 1); });
  CHECK_FALSE(r.rewritten);
  CHECK(r.text == "[a.b.c]\nx = 1\n\n[a.b]\nk = 1\n");
}

TEST_CASE("toml_doc: what an edit in place cannot say is rendered whole") {
  SECTION("a key in a table defined by dotted keys is a dotted key too") {
    auto r = edit("[a]\nb.c = 1 # x\n", [](toml::table& t) { ensure_table(t, {"a", "b"}).insert_or_assign("d", 2); });
    CHECK_FALSE(r.rewritten);
    CHECK(r.text == "[a]\nb.c = 1 # x\nb.d = 2\n");
  }
  SECTION("a key in a root table defined by dotted keys") {
    auto r = edit("a.b = 1 # x\n", [](toml::table& t) { ensure_table(t, {"a"}).insert_or_assign("c", 2); });
    CHECK(r.rewritten); // no section holds it: rendered whole
    CHECK(r.text == "[a]\n  b = 1\n  c = 2\n");
  }
  SECTION("a key in an inline table is a replaced value, not a rewrite") {
    auto r = edit("t = { a = 1 } # c\n", [](toml::table& t) { ensure_table(t, {"t"}).insert_or_assign("b", 2); });
    CHECK_FALSE(r.rewritten);
    CHECK(r.text == "t = { a = 1, b = 2 } # c\n");
  }
  SECTION("a removed key") {
    auto r = edit("a = 1\nb = 2\n", [](toml::table& t) { t.erase("b"); });
    CHECK(r.rewritten);
    CHECK(r.text == "a = 1\n");
  }
  SECTION("an unchanged document is returned as it is") {
    auto r = edit("a   =   1  # spaced\n", [](toml::table&) {});
    CHECK(r.text == "a   =   1  # spaced\n");
  }
}

TEST_CASE("toml_doc: rendering") {
  toml::table t;
  t.insert_or_assign("version", 2);
  ensure_table(t, {"plugins", "io.containerd.grpc.v1.cri", "containerd"}).insert_or_assign("snapshotter", "overlayfs");
  ensure_table(t, {"plugins", "io.containerd.grpc.v1.cri"}).insert_or_assign("dirs", toml::array{"a", "b"});
  CHECK(render_document(t, {}) == "version = 2\n"
                                  "\n  [plugins.\"io.containerd.grpc.v1.cri\"]\n    dirs = [\"a\", \"b\"]\n"
                                  "\n    [plugins.\"io.containerd.grpc.v1.cri\".containerd]\n      snapshotter = \"overlayfs\"\n");
  CHECK(render_document(t, {0, 0}, "# h\n").rfind("# h\nversion = 2\n\n[plugins.\"io", 0) == 0);
  CHECK(render_key("a b") == "\"a b\"");
  CHECK(render_value(toml::value<double>(0.02)) == "0.02");
  CHECK(render_value(toml::value<std::string>("tab\there")) == "\"tab\\there\"");
  auto bad = parse("a = \n", "x.toml");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message().rfind("parse `x.toml`: ", 0) == 0);
}

// containerd's and CRI-O's files go through the same guard as config.toml before toml++ sees them:
// toml++ 3.3 reaches __builtin_unreachable() on these (see nvrunc/config/toml_guard.hpp).
TEST_CASE("toml_doc: text that would take toml++ into undefined behaviour is refused") {
  for (const char* text : {"version = 2\nx = \"\"\"\\\n\xc2\xa7\"\"\"\n", "version = 2 \xc2\xa9\n", "x = +)\"\"\"\"\xc2\xa7\"\n"}) {
    INFO(text);
    auto t = parse(text, "config.toml");
    REQUIRE_FALSE(t);
    CHECK(t.error().code() == nvrunc::Errc::bad_config);
    CHECK(t.error().what().find("parse `config.toml` at line ") != std::string::npos);
  }
  CHECK(parsed("# \xc2\xa9 2024\nversion = 2 # \xd0\x93\n[plugins]\nname = \"\xc2\xa7\"\n").size() == 2);
}
