// The snapshot's bytes: a magic line, then every field in declaration order. Integers are 8 bytes
// little-endian, strings and lists a 4-byte count then their items, optionals a flag byte. The
// field lists below are the single description of the format; `format_version` changes with them.
#include <algorithm>
#include <cstring>
#include <type_traits>

#include "nvrunc/discover/snapshot.hpp"

namespace nvrunc::discover {

namespace {

constexpr std::string_view magic = "nvrunc inventory snapshot\n";
constexpr std::uint32_t format_version = 3; // 2: Observation::filter; 3: observations before the inventory

// A field added to one of these structs must be added to its list below (and format_version
// raised); the sizes catch a forgotten one at compile time.
static_assert(sizeof(std::string) == 32, "the size checks below assume libstdc++'s std::string");
static_assert(sizeof(DeviceNode) == 2 * 32 + 4 * 6 + 8, "DeviceNode changed: update its fields()");
static_assert(sizeof(MigInstance) == 8 + 2 * sizeof(DeviceNode), "MigInstance changed: update its fields()");
static_assert(sizeof(Gpu) == 8 + 3 * 32 + sizeof(DeviceNode) + 2 * 24, "Gpu changed: update its fields()");
static_assert(sizeof(HostFile) == 3 * 32 + 8, "HostFile changed: update its fields()");
static_assert(sizeof(Library) == 4 * 32 + 8, "Library changed: update its fields()");
static_assert(sizeof(Binary) == 32 + 8 + 2 * 32, "Binary changed: update its fields()");
static_assert(sizeof(Observation) == 8 + 32 + 8 + 32 + 32, "Observation changed: update its fields()");
static_assert(sizeof(Snapshot) == 32 + 8 + sizeof(Inventory) + 24, "Snapshot changed: update its fields()");
static_assert(feature_count == 4 && sizeof(Inventory) == 32 + 24 + 6 * sizeof(std::optional<DeviceNode>) + 12 * 24,
              "Inventory changed: update its fields()");

template <class V> void fields(V& v, DeviceNode& n) {
  v(n.path, n.type, n.major, n.minor, n.mode, n.uid, n.gid, n.on_host, n.problem);
}
template <class V> void fields(V& v, MigInstance& m) { v(m.gi, m.ci, m.gi_cap, m.ci_cap); }
template <class V> void fields(V& v, Gpu& g) { v(g.index, g.minor, g.uuid, g.bus_id, g.model, g.node, g.mig, g.drm); }
template <class V> void fields(V& v, HostFile& f) { v(f.container_path, f.host_path, f.what, f.capability); }
template <class V> void fields(V& v, Library& l) { v(l.prefix, l.capability, l.path, l.host_path, l.soname); }
template <class V> void fields(V& v, Binary& b) { v(b.name, b.capability, b.path, b.host_path); }
template <class V> void fields(V& v, Inventory& i) {
  v(i.driver_version, i.gpus, i.nvidiactl, i.uvm, i.uvm_tools, i.modeset, i.mig_config, i.mig_monitor, i.libraries,
    i.libraries32, i.binaries, i.ipc, i.firmware, i.graphics_files, i.xorg_modules, i.features[0], i.features[1],
    i.features[2], i.features[3], i.warnings);
}
template <class V> void fields(V& v, Observation& o) { v(o.kind, o.path, o.present, o.value, o.filter); }
template <class V> void fields(V& v, ObservationView& o) { v(o.kind, o.path, o.present, o.value, o.filter); }
// The observations come before the inventory: a replay checks them straight from the bytes and
// decodes the inventory only when they all hold (fresh_inventory).
template <class V> void fields(V& v, Snapshot& s) { v(s.key, s.created_ns, s.observations, s.inventory); }

template <class T> inline constexpr bool is_enum_field = std::is_same_v<T, Capability> || std::is_same_v<T, Observation::Kind>;
template <class T> constexpr std::uint64_t enum_limit() {
  if constexpr (std::is_same_v<T, Capability>) return capability_count;
  else return Observation::kind_count;
}

class Writer {
public:
  std::string out;

  template <class... T> void operator()(const T&... items) { (put(items), ...); }

private:
  void number(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  void count(size_t n) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  }
  void put(const std::string& s) {
    count(s.size());
    out += s;
  }
  void put(bool b) { out.push_back(b ? 1 : 0); }
  void put(char c) { out.push_back(c); }
  template <class T> void put(const std::vector<T>& list) {
    count(list.size());
    for (const auto& item : list) put(item);
  }
  template <class T> void put(const std::optional<T>& o) {
    put(o.has_value());
    if (o) put(*o);
  }
  template <class T> void put(const T& item) {
    if constexpr (is_enum_field<T>) number(static_cast<std::uint64_t>(item));
    else if constexpr (std::is_integral_v<T>) number(static_cast<std::uint64_t>(item));
    else fields(*this, const_cast<T&>(item)); // the field lists take T&; writing never changes it
  }
};

class Reader {
public:
  explicit Reader(std::string_view bytes) : m_rest(bytes) {}
  bool ok = true;
  bool at_end() const { return m_rest.empty(); }

  template <class... T> void operator()(T&... items) { (get(items), ...); }

  // A list's count (its items are then read one by one). A count can never exceed the bytes left:
  // every item takes at least one.
  size_t count() {
    const auto n = number(4);
    if (n > m_rest.size()) ok = false;
    return ok ? size_t(n) : 0;
  }

private:
  bool take(size_t n, std::string_view& out) {
    if (!ok || m_rest.size() < n) return ok = false;
    out = m_rest.substr(0, n);
    m_rest.remove_prefix(n);
    return true;
  }
  std::uint64_t number(size_t width) {
    std::string_view b;
    if (!take(width, b)) return 0;
    std::uint64_t v = 0;
    for (size_t i = 0; i < width; ++i) v |= std::uint64_t(static_cast<unsigned char>(b[i])) << (8 * i);
    return v;
  }
  void get(std::string& s) {
    std::string_view b;
    if (take(count(), b)) s.assign(b);
  }
  void get(std::string_view& s) { take(count(), s); } // a count never exceeds the bytes left
  void get(bool& b) {
    const auto v = number(1);
    if (v > 1) ok = false;
    b = v == 1;
  }
  void get(char& c) { c = static_cast<char>(number(1)); }
  template <class T> void get(std::vector<T>& list) {
    const size_t n = count();
    list.clear();
    // Sized once (growing moves every element, and leaves the old buffers as heap the process
    // touched for nothing), up to 4096 items: a damaged count must not reserve gigabytes.
    list.reserve(std::min<size_t>(n, 4096));
    for (size_t i = 0; i < n && ok; ++i) get(list.emplace_back());
  }
  template <class T> void get(std::optional<T>& o) {
    bool present = false;
    get(present);
    if (present && ok) get(o.emplace());
    else o.reset();
  }
  template <class T> void get(T& item) {
    if constexpr (is_enum_field<T>) {
      const auto v = number(8);
      if (v >= enum_limit<T>()) ok = false;
      item = static_cast<T>(v);
    } else if constexpr (std::is_integral_v<T>) {
      const auto v = number(8);
      using U = std::make_unsigned_t<T>;
      if (!std::is_signed_v<T> && v > std::uint64_t(U(~U(0)))) ok = false; // wider than the field
      item = static_cast<T>(v);
    } else {
      fields(*this, item);
    }
  }
  std::string_view m_rest;
};

} // namespace

std::string encode_snapshot(const Snapshot& snapshot) {
  Writer w;
  w.out.assign(magic);
  w(format_version, snapshot);
  return std::move(w.out);
}

namespace {
// A reader past the magic line and the version; nullopt for another format.
std::optional<Reader> open_snapshot(std::string_view bytes) {
  if (!bytes.starts_with(magic)) return std::nullopt;
  Reader r(bytes.substr(magic.size()));
  std::uint32_t version = 0;
  r(version);
  if (!r.ok || version != format_version) return std::nullopt;
  return r;
}
} // namespace

std::optional<Snapshot> decode_snapshot(std::string_view bytes) {
  auto r = open_snapshot(bytes);
  if (!r) return std::nullopt;
  Snapshot s;
  (*r)(s);
  if (!r->ok || !r->at_end()) return std::nullopt;
  return s;
}

std::optional<Inventory> fresh_inventory(std::string_view bytes, std::string_view key, std::int64_t now_ns) {
  auto r = open_snapshot(bytes);
  if (!r) return std::nullopt;
  std::string_view k;
  std::int64_t created_ns = 0;
  (*r)(k, created_ns);
  if (!r->ok || k != key || created_ns > now_ns || now_ns - created_ns >= snapshot_max_age_ns) return std::nullopt;
  for (size_t n = r->count(); n > 0 && r->ok; --n) {
    ObservationView o;
    (*r)(o);
    if (!r->ok || !observation_holds(o)) return std::nullopt;
  }
  Inventory inv;
  (*r)(inv);
  if (!r->ok || !r->at_end()) return std::nullopt;
  return inv;
}

} // namespace nvrunc::discover
