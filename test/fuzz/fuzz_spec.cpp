// config.json (spec::parse, serialize, detect_layout and the read-only views): the image's and the
// engine's data, read on every create.
// Input: the config.json bytes.
// Properties: a bad file is Errc::bad_spec, never an exception; serialize(parse(x)) parses back to
// the same ordered tree in every layout and is a fixed point (running create twice must give the
// same bytes); an indented layout is detected again from the text it produced.
#include "fuzz_util.hpp"
#include "nvrunc/spec/document.hpp"
#include "nvrunc/spec/view.hpp"

using namespace nvrunc;

namespace {

// KNOWN BUG (regressions/spec/number-overflow): a number outside double's range makes nlohmann
// throw json::out_of_range (406), which spec::parse does not catch.
Result<spec::Json> parse_text(std::string_view text, std::string_view name) {
  if (!fuzz::skip_known("number-overflow")) return spec::parse(text, name);
  try {
    return spec::parse(text, name);
  } catch (const nlohmann::json::out_of_range&) {
    return fail(Errc::internal, "known bug");
  }
}

bool same_layout(const spec::Layout& a, const spec::Layout& b) {
  return a.indent == b.indent && a.indent_char == b.indent_char && a.trailing_newline == b.trailing_newline;
}

void round_trip(const spec::Json& json, const spec::Layout& layout) {
  const std::string text = spec::serialize(json, layout);
  auto back = parse_text(text, "fuzz/serialized.json");
  fuzz::expect(static_cast<bool>(back), "serialized text parses");
  fuzz::expect(*back == json, "a round trip keeps the ordered tree");
  fuzz::expect(spec::serialize(*back, layout) == text, "serialize is a fixed point");
  if (layout.indent > 0 && json.is_object() && !json.empty())
    fuzz::expect(same_layout(spec::detect_layout(text), layout), "an indented layout is detected again");
}

void read_views(const spec::Json& json) {
  auto env = spec::process_env(json);
  (void)spec::env_value(env, "NVIDIA_VISIBLE_DEVICES");
  (void)spec::annotations(json);
  (void)spec::has_bounding_capability(json, "CAP_SYS_ADMIN");
  (void)spec::mounts(json);
  (void)spec::rootfs_host_path(json, "/bundle");
}

// The fast path (src/spec/fast_parse.hpp) must give exactly what nlohmann's parser gives: the same
// tree, or the same error.
void same_as_reference(std::string_view text, const Result<spec::Json>& json) {
  Result<spec::Json> reference = fail(Errc::internal, "");
  try {
    reference = spec::detail::parse_reference(text, "fuzz/config.json");
  } catch (const nlohmann::json::out_of_range&) {
    return; // the known bug above, in the reference itself
  }
  fuzz::expect(static_cast<bool>(json) == static_cast<bool>(reference), "the fast path accepts what nlohmann accepts");
  if (json && reference) fuzz::expect(spec::detail::identical(*json, *reference), "the fast path builds nlohmann's tree");
  if (!json && !reference) fuzz::expect(json.error().what() == reference.error().what(), "the same error");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 256 * 1024) return -1;
  const auto text = fuzz::as_text(data, size);
  auto json = parse_text(text, "fuzz/config.json");
  if (!(!json && json.error().code() == Errc::internal)) same_as_reference(text, json);
  const auto detected = spec::detect_layout(text);
  if (!json && json.error().code() == Errc::internal) return -1;
  if (!json) {
    fuzz::expect(json.error().code() == Errc::bad_spec, "a bad file is bad_spec");
    return 0;
  }
  read_views(*json);
  round_trip(*json, detected);
  round_trip(*json, spec::Layout{});
  round_trip(*json, spec::Layout{1, '\t', true});
  round_trip(*json, spec::Layout{4, ' ', false});
  return 0;
}
