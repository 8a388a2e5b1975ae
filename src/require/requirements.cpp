#include "nvrunc/require/requirements.hpp"

#include <array>

#include "nvrunc/common/strings.hpp"

namespace nvrunc::require {

namespace {

constexpr size_t max_requirements = 32; // nvidia-container-cli's limit
constexpr size_t max_term = 128;

std::optional<Op> parse_op(std::string_view op) {
  if (op == "=" || op == "==") return Op::eq;
  if (op == "!=") return Op::ne;
  if (op == "<") return Op::lt;
  if (op == "<=") return Op::le;
  if (op == ">") return Op::gt;
  if (op == ">=") return Op::ge;
  return std::nullopt;
}

Property parse_property(std::string_view name) {
  const auto n = to_lower(name);
  if (n == "cuda") return Property::cuda;
  if (n == "driver") return Property::driver;
  if (n == "arch") return Property::arch;
  if (n == "brand") return Property::brand;
  return Property::unknown;
}

Result<Term> parse_term(std::string_view text) {
  auto bad = [&](std::string why) {
    return fail(Errc::invalid_argument, "invalid requirement `" + std::string(text.substr(0, max_term)) + "`: " + why);
  };
  if (text.size() > max_term) return bad("longer than 128 characters");
  const auto op_start = text.find_first_of("<>=!");
  if (op_start == std::string_view::npos || op_start == 0) return bad("expected <property><op><value>");
  const auto op_end = text.find_first_not_of("<>=!", op_start);
  if (op_end == std::string_view::npos) return bad("no value");
  auto op = parse_op(text.substr(op_start, op_end - op_start));
  if (!op) return bad("unknown operator `" + std::string(text.substr(op_start, op_end - op_start)) + "`");
  Term t{parse_property(text.substr(0, op_start)), *op, std::string(text.substr(op_end)), std::string(text)};
  if (t.property == Property::brand && t.op != Op::eq && t.op != Op::ne) return bad("brand takes only = or !=");
  if ((t.property == Property::cuda || t.property == Property::driver || t.property == Property::arch) &&
      !compare_versions(t.value, "0"))
    return bad("`" + t.value + "` is not a version");
  return t;
}

bool holds(Op op, int cmp) {
  switch (op) {
  case Op::eq: return cmp == 0;
  case Op::ne: return cmp != 0;
  case Op::lt: return cmp < 0;
  case Op::le: return cmp <= 0;
  case Op::gt: return cmp > 0;
  case Op::ge: return cmp >= 0;
  }
  return false;
}

bool holds(const Term& t, const Facts& facts, const DeviceFacts* device) {
  const std::optional<std::string>* fact = nullptr;
  switch (t.property) {
  case Property::cuda: fact = &facts.cuda; break;
  case Property::driver: fact = &facts.driver; break;
  case Property::arch: fact = device ? &device->arch : nullptr; break;
  case Property::brand: fact = device ? &device->brand : nullptr; break;
  case Property::unknown: return true;
  }
  if (!fact || !*fact) return true; // nothing to compare with: the term holds
  if (t.property == Property::brand) return iequals(**fact, t.value) == (t.op == Op::eq);
  auto cmp = compare_versions(**fact, t.value);
  return cmp && holds(t.op, *cmp);
}

bool holds(const Predicate& p, const Facts& facts, const DeviceFacts* device) {
  for (const auto& alternative : p.alternatives) {
    bool all = true;
    for (const auto& term : alternative) all = all && holds(term, facts, device);
    if (all) return true;
  }
  return p.alternatives.empty();
}

std::string describe(const Facts& facts, const DeviceFacts* device) {
  std::string s = "this node has CUDA " + facts.cuda.value_or("unknown") + ", driver " + facts.driver.value_or("unknown");
  if (device)
    s += ", " + device->label + " arch " + device->arch.value_or("unknown") + " brand " + device->brand.value_or("unknown");
  return s;
}

tl::unexpected<Error> unmet(const Requirement& r, const Predicate& p, const Facts& facts, const DeviceFacts* device) {
  const auto& first = p.alternatives.front();
  std::string condition;
  for (const auto& t : first) condition += (condition.empty() ? "" : ",") + t.text;
  std::string advice = "set NVIDIA_DISABLE_REQUIRE=true to start it anyway";
  if (!first.empty() && first.front().property == Property::cuda && (first.front().op == Op::ge || first.front().op == Op::gt))
    advice = "update the driver to one that supports CUDA " + first.front().value +
             ", or use an image built for an older CUDA, or " + advice;
  return fail(Errc::unmet_requirement, r.variable + ": unsatisfied condition `" + condition + "`" +
                                           (p.alternatives.size() > 1 ? " (nor any of its alternatives)" : "") + " (" +
                                           describe(facts, device) + "): " + advice);
}

} // namespace

std::optional<int> compare_versions(std::string_view a, std::string_view b) {
  auto parts = [](std::string_view v) -> std::optional<std::vector<unsigned long>> {
    std::vector<unsigned long> out;
    for (auto p : split(v, '.')) {
      if (!is_digits(p) || p.size() > 9) return std::nullopt;
      out.push_back(std::stoul(std::string(p)));
    }
    return out;
  };
  auto x = parts(a), y = parts(b);
  if (!x || !y) return std::nullopt;
  for (size_t i = 0; i < std::max(x->size(), y->size()); ++i) {
    unsigned long l = i < x->size() ? (*x)[i] : 0, r = i < y->size() ? (*y)[i] : 0;
    if (l != r) return l < r ? -1 : 1;
  }
  return 0;
}

Result<Predicate> parse(std::string_view text) {
  Predicate p;
  p.text = std::string(text);
  for (auto alternative : split(text, ' ')) {
    Alternative terms;
    for (auto term : split(trim(alternative), ',')) {
      if (trim(term).empty()) continue;
      NVRUNC_TRY(t, parse_term(trim(term)));
      terms.push_back(std::move(t));
    }
    if (!terms.empty()) p.alternatives.push_back(std::move(terms));
  }
  return p;
}

Result<void> check(const std::vector<Requirement>& requirements, const Facts& facts) {
  if (requirements.size() > max_requirements)
    return fail(Errc::invalid_argument, "too many NVIDIA_REQUIRE_* requirements (" +
                                            std::to_string(requirements.size()) + ", at most 32)");
  for (const auto& r : requirements) {
    auto p = parse(r.expression);
    if (!p) return fail(std::move(p.error()).wrap(r.variable));
    if (facts.devices.empty()) {
      if (!holds(*p, facts, nullptr)) return unmet(r, *p, facts, nullptr);
      continue;
    }
    for (const auto& d : facts.devices)
      if (!holds(*p, facts, &d)) return unmet(r, *p, facts, &d);
  }
  return {};
}

std::string brand_name(int nvml_brand) {
  static constexpr std::array<const char*, 17> names = {
      "unknown", "quadro", "tesla", "nvs",   "grid",      "geforce",   "titan",      "vapps",   "vpc",
      "vcs",     "vws",    "cloudgaming", "quadrortx", "nvidiartx", "nvidia", "geforcertx", "titanrtx"};
  return nvml_brand >= 0 && static_cast<size_t>(nvml_brand) < names.size() ? names[static_cast<size_t>(nvml_brand)] : "unknown";
}

} // namespace nvrunc::require
