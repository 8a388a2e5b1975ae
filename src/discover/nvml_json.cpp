#include "nvrunc/discover/nvml_json.hpp"

#include <cstdint>
#include <optional>

#include <nlohmann/json.hpp>

namespace nvrunc::discover {

namespace {

using Json = nlohmann::json;

template <class T>
Json optional_json(const std::optional<T>& v) {
  return v ? Json(*v) : Json(nullptr);
}

// Field readers: each names the field it refuses, relative to the whole document ("gpus[1].uuid").
class Reader {
public:
  Reader(const Json& object, std::string where) : m_object(object), m_where(std::move(where)) {}

  Result<std::string> string(const char* key) const {
    NVRUNC_TRY(v, field(key, Json::value_t::string, "a string"));
    return v->get<std::string>();
  }
  Result<unsigned> index(const char* key) const {
    NVRUNC_TRY(v, field(key, Json::value_t::number_unsigned, "a non-negative integer"));
    if (v->get<std::uint64_t>() > 0xffffffffu) return refuse(key, "is out of range");
    return v->get<unsigned>();
  }
  Result<bool> boolean(const char* key) const {
    NVRUNC_TRY(v, field(key, Json::value_t::boolean, "a boolean"));
    return v->get<bool>();
  }
  Result<const Json*> array(const char* key) const { return field(key, Json::value_t::array, "an array"); }
  Result<std::optional<std::string>> optional_string(const char* key) const {
    if (absent(key)) return std::optional<std::string>();
    NVRUNC_TRY(v, string(key));
    return std::optional<std::string>(std::move(v));
  }
  Result<std::optional<int>> optional_int(const char* key) const {
    if (absent(key)) return std::optional<int>();
    const Json& v = m_object.at(key);
    if (!v.is_number_integer()) return refuse(key, "is not an integer");
    if (v.get<std::int64_t>() < INT32_MIN || v.get<std::int64_t>() > INT32_MAX) return refuse(key, "is out of range");
    return std::optional<int>(v.get<int>());
  }
  std::string where(const char* key) const { return m_where.empty() ? key : m_where + "." + key; }

private:
  bool absent(const char* key) const { return !m_object.contains(key) || m_object.at(key).is_null(); }
  Result<const Json*> field(const char* key, Json::value_t type, const char* what) const {
    if (!m_object.contains(key)) return refuse(key, "is missing");
    const Json& v = m_object.at(key);
    // nlohmann stores a non-negative integer as unsigned; a negative one is number_integer.
    if (v.type() != type) return refuse(key, std::string("is not ") + what);
    return &v;
  }
  tl::unexpected<Error> refuse(const char* key, const std::string& why) const {
    return fail(Errc::invalid_argument, "read NVML facts: `" + where(key) + "` " + why);
  }

  const Json& m_object;
  std::string m_where;
};

Result<void> expect_object(const Json& j, const std::string& where) {
  if (j.is_object()) return {};
  return fail(Errc::invalid_argument, "read NVML facts: `" + (where.empty() ? std::string("(document)") : where) +
                                          "` is not an object");
}

Result<NvmlMigDevice> read_mig(const Json& j, const std::string& where) {
  if (auto r = expect_object(j, where); !r) return fail(std::move(r.error()));
  Reader r(j, where);
  NvmlMigDevice m;
  NVRUNC_TRY(index, r.index("index"));
  NVRUNC_TRY(gi, r.index("gi"));
  NVRUNC_TRY(ci, r.index("ci"));
  NVRUNC_TRY(uuid, r.string("uuid"));
  NVRUNC_TRY(name, r.string("name"));
  m.index = index;
  m.gi = gi;
  m.ci = ci;
  m.uuid = std::move(uuid);
  m.name = std::move(name);
  return m;
}

Result<NvmlGpu> read_gpu(const Json& j, const std::string& where) {
  if (auto r = expect_object(j, where); !r) return fail(std::move(r.error()));
  Reader r(j, where);
  NvmlGpu g;
  NVRUNC_TRY(uuid, r.string("uuid"));
  NVRUNC_TRY(bus_id, r.string("bus_id"));
  NVRUNC_TRY(name, r.string("name"));
  NVRUNC_TRY(brand, r.optional_int("brand"));
  NVRUNC_TRY(arch, r.optional_string("arch"));
  NVRUNC_TRY(mig_enabled, r.boolean("mig_enabled"));
  NVRUNC_TRY(mig, r.array("mig"));
  g.uuid = std::move(uuid);
  g.bus_id = std::move(bus_id);
  g.name = std::move(name);
  g.brand = brand;
  g.arch = std::move(arch);
  g.mig_enabled = mig_enabled;
  for (size_t i = 0; i < mig->size(); ++i) {
    NVRUNC_TRY(m, read_mig((*mig)[i], r.where("mig") + "[" + std::to_string(i) + "]"));
    g.mig.push_back(std::move(m));
  }
  return g;
}

} // namespace

std::string nvml_facts_to_json(const NvmlFacts& facts) {
  Json gpus = Json::array();
  for (const auto& g : facts.gpus) {
    Json mig = Json::array();
    for (const auto& m : g.mig)
      mig.push_back({{"index", m.index}, {"gi", m.gi}, {"ci", m.ci}, {"uuid", m.uuid}, {"name", m.name}});
    gpus.push_back({{"uuid", g.uuid},
                    {"bus_id", g.bus_id},
                    {"name", g.name},
                    {"brand", optional_json(g.brand)},
                    {"arch", optional_json(g.arch)},
                    {"mig_enabled", g.mig_enabled},
                    {"mig", std::move(mig)}});
  }
  Json j = {{"cuda_version", optional_json(facts.cuda_version)}, {"gpus", std::move(gpus)}};
  // NVML strings are not guaranteed UTF-8 (a GPU name is a C string): replace, never throw.
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Result<NvmlFacts> nvml_facts_from_json(std::string_view text) {
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded()) return fail(Errc::invalid_argument, "read NVML facts: not valid JSON");
  if (auto r = expect_object(j, ""); !r) return fail(std::move(r.error()));
  Reader r(j, "");
  NvmlFacts facts;
  NVRUNC_TRY(cuda, r.optional_string("cuda_version"));
  NVRUNC_TRY(gpus, r.array("gpus"));
  facts.cuda_version = std::move(cuda);
  for (size_t i = 0; i < gpus->size(); ++i) {
    NVRUNC_TRY(g, read_gpu((*gpus)[i], "gpus[" + std::to_string(i) + "]"));
    facts.gpus.push_back(std::move(g));
  }
  return facts;
}

} // namespace nvrunc::discover
