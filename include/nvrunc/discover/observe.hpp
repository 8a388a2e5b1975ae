// What discovery relied on, as facts that are cheap to check again (the inventory snapshot,
// snapshot.hpp). HostFs reports every read to a Recorder while one is attached; replaying the
// observations later says whether a fresh discovery could give a different inventory.
//
// - content: a procfs file's bytes (procfs has no useful timestamps), or its absence;
// - listing: a directory's entry names (procfs, sysfs and /dev listings), or its absence; a
//   filtered listing keeps only the names that start with one of its prefixes, so that /dev
//   gaining an unrelated device (a loop device, a disk) does not invalidate the snapshot;
// - stat: a file's or directory's identity and timestamps (dev, inode, type and mode, owner, rdev,
//   size, mtime, ctime), or its absence: device nodes, files read whole (the ld.so.cache), and the
//   real directories each lookup went through. A directory's mtime and ctime change whenever an
//   entry is added, removed, renamed or replaced in it, so this catches a library, binary or link
//   appearing, vanishing, being replaced (package managers and ldconfig write a new file and rename
//   it) or retargeted. Not caught: a library or binary rewritten in place under the same inode (its
//   SONAME read again) or chmod-ed; stat-ing every file would double the cost of a replay, and
//   the snapshot's maximum age bounds how long such a change goes unnoticed.
//   A directory a lookup only passed through, to an entry that is a real directory whose own stat
//   is kept, is left out (never the driver root): that entry's identity (device, inode, ctime,
//   which a rename moves) already shows the name still leads to it, and the left-out directory's
//   parent is kept. Each stat left out is a system call fewer on every create (8 on the
//   benchmark's node). Not caught because of it: a bind mount placed over such a directory whose
//   tree leads, through a host-absolute symlink, back to the very same directories (the replay's
//   stat follows it on the host; a lookup in the root would not).
//
// An absence that the recording already shows is not recorded again (replaying what shows it
// checks it): the name, or an ancestor's, is missing from a recorded listing whose prefixes cover
// it (/dev/gdrdrv or /dev/infiniband/rdma_cm against a /dev listing kept for "gdrdrv" and
// "infiniband"), or an ancestor was recorded absent.
//
// Timestamps are only as fine as the kernel's clock tick (or a whole second on some filesystems): a
// change within the same tick as the observation can keep the same mtime. A recording that saw a
// timestamp within `racy_window` of the moment its discovery started is therefore not saved (git's
// "racily clean" rule), so every change after that moment, during the discovery included, moves
// some recorded timestamp.
#pragma once

#include <cstdint>
#include <optional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace nvrunc::discover {

struct Observation {
  enum class Kind : std::uint8_t { content, listing, stat };
  static constexpr int kind_count = 3;
  Kind kind = Kind::stat;
  std::string path;  // host path
  bool present = false;
  std::string value; // content: the bytes; listing: sorted names, each followed by '\n'; stat: see above
  std::string filter; // listing: the name prefixes it keeps, each followed by '\n'; "": every name
  bool operator==(const Observation&) const = default;
};

// An observation whose strings live elsewhere (in a snapshot's bytes: replayed without copying).
struct ObservationView {
  Observation::Kind kind = Observation::Kind::stat;
  std::string_view path;
  bool present = false;
  std::string_view value;
  std::string_view filter;
  ObservationView() = default;
  ObservationView(const Observation& o) : kind(o.kind), path(o.path), present(o.present), value(o.value), filter(o.filter) {}
};

// A directory's sorted entry names; `present` false when it does not exist (ENOENT, ENOTDIR);
// `failed` when it could not be read for another reason (then `present` is false too).
// filtered() keeps the names starting with one of `prefixes` (all of them when there are none).
struct Listing {
  bool present = false;
  bool failed = false;
  std::vector<std::string> names;
  Listing filtered(const std::vector<std::string>& prefixes) const;
};
Listing list_directory(const std::string& host_path);
Listing list_directory(const char* host_path);

class Recorder {
public:
  // Records each (kind, path) once. A later reading of the same path that differs from the first
  // (the file changed between two reads of one discovery) spoils the recording.
  void content(const std::string& path, bool present, std::string_view bytes);
  // `prefixes` empty: every name; else only the names starting with one of them.
  void listing(const std::string& path, const Listing& l, const std::vector<std::string>& prefixes = {});
  void stat(const std::string& path);
  // `dir` stat-ed only to pass through it to its entry `child`, a real directory stat-ed in turn.
  // Left out of observations() while the stat of `child` is kept, unless `dir` is also stat-ed
  // for its own sake.
  void stat_passing(const std::string& dir, const std::string& child);
  // Something could not be observed in a way a replay can check (an I/O error): nothing recorded
  // now may be saved.
  void spoil() { m_usable = false; }

  bool usable() const { return m_usable; }
  // What a replay must check, in the order observed.
  std::vector<Observation> observations() const;
  // The newest mtime or ctime among the stat observations (ns since the epoch; 0 if none).
  std::int64_t newest_timestamp_ns() const { return m_newest_ns; }

private:
  // Records `o`, unless the same (kind, path, filter) was read before (a different result
  // spoils the recording) or a recorded listing already shows its absence.
  void add(Observation o);
  // Whether a recorded listing shows that `path` does not exist.
  bool absence_shown(const std::string& path) const;
  // Records a stat of `path`; `itself` false for stat_passing().
  void record_stat(const std::string& path, bool itself);
  // Whether observations() keeps the recorded stat of `path`.
  bool stat_kept(const std::string& path, std::map<std::string, bool>& memo) const;
  std::map<std::tuple<Observation::Kind, std::string, std::string>, size_t> m_seen; // -> index in m_observations
  std::multimap<std::string, size_t> m_listings; // present listings by directory -> index in m_observations
  std::set<std::string> m_absent;                // paths recorded as absent
  std::set<std::string> m_stat_for_itself;       // stat-ed at least once for their own sake
  std::map<std::string, std::set<std::string>> m_passed_to; // stat_passing(): dir -> its children
  std::vector<Observation> m_observations;
  std::int64_t m_newest_ns = 0;
  bool m_usable = true;
};

// How much older than the start of discovery the newest recorded timestamp must be for the
// recording to be saved.
inline constexpr std::int64_t racy_window_ns = 1'000'000'000;

// Whether the observation still holds. A path that is no C string (too long, a NUL byte) does not.
bool observation_holds(const ObservationView& observation);
// Whether every observation still holds. Stops at the first that does not.
bool observations_hold(const std::vector<Observation>& observations);

} // namespace nvrunc::discover
