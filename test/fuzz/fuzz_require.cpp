// NVIDIA_REQUIRE_* (require::parse, require::check, compare_versions): the image writes these.
// Input: one line per requirement (the value of NVIDIA_REQUIRE_<n>), except lines that set the
// node's facts: `@cuda=12.4`, `@driver=550.54.15`, `@gpu=<arch>,<brand>` (one per selected GPU).
// Properties: nothing throws; every failure is one of the documented codes; version comparison is
// a total order on versions (antisymmetric, reflexive); check is a function of its inputs.
#include "fuzz_util.hpp"
#include "nvrunc/require/requirements.hpp"

using namespace nvrunc;

namespace {

void check_versions(const std::string& a, const std::string& b) {
  auto ab = require::compare_versions(a, b), ba = require::compare_versions(b, a);
  fuzz::expect(ab.has_value() == ba.has_value(), "compare_versions: both directions agree on validity");
  if (ab) fuzz::expect(*ab == -*ba, "compare_versions is antisymmetric");
  if (auto aa = require::compare_versions(a, a)) fuzz::expect(*aa == 0, "compare_versions is reflexive");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 16 * 1024) return -1; // an env value that long is refused earlier by the engines
  require::Facts facts;
  std::vector<require::Requirement> reqs;
  for (const auto& line : fuzz::split_all(fuzz::as_text(data, size), '\n')) {
    if (line.rfind("@cuda=", 0) == 0) facts.cuda = line.substr(6);
    else if (line.rfind("@driver=", 0) == 0) facts.driver = line.substr(8);
    else if (line.rfind("@gpu=", 0) == 0) {
      auto comma = line.find(',', 5);
      require::DeviceFacts d{"GPU " + std::to_string(facts.devices.size()), std::nullopt, std::nullopt};
      d.arch = line.substr(5, comma == std::string::npos ? std::string::npos : comma - 5);
      if (comma != std::string::npos) d.brand = line.substr(comma + 1);
      facts.devices.push_back(std::move(d));
    } else {
      reqs.push_back({"NVIDIA_REQUIRE_" + std::to_string(reqs.size()), line});
    }
  }

  for (const auto& r : reqs) {
    auto p = require::parse(r.expression);
    if (!p) {
      fuzz::expect(p.error().code() == Errc::invalid_argument, "parse fails with invalid_argument");
      continue;
    }
    for (const auto& alternative : p->alternatives) {
      fuzz::expect(!alternative.empty(), "no empty alternative");
      for (const auto& term : alternative) {
        fuzz::expect(!term.text.empty() && !term.value.empty(), "a term has text and a value");
        check_versions(term.value, facts.cuda.value_or("12.4"));
      }
    }
  }
  if (facts.cuda && facts.driver) check_versions(*facts.cuda, *facts.driver);

  auto first = require::check(reqs, facts);
  if (!first)
    fuzz::expect(first.error().code() == Errc::invalid_argument || first.error().code() == Errc::unmet_requirement,
                 "check fails with invalid_argument or unmet_requirement");
  auto again = require::check(reqs, facts);
  fuzz::expect(static_cast<bool>(first) == static_cast<bool>(again) &&
                   (first || first.error().what() == again.error().what()),
               "check is a function of its inputs");
  (void)require::check(reqs, require::Facts{}); // nothing known: every term holds or is malformed
  return 0;
}
