// Logging in runc's own formats, to runc's `--log` file (DESIGN.md §3, reference §A.6).
//
// containerd decodes that file as a stream of JSON objects and shows the user the msg of the LAST
// object whose level is "error" ("OCI runtime create failed: <msg>"). So, in json mode, every line
// we append is exactly {"level","msg","time"} with an RFC 3339 time, nothing else ever goes there,
// and an error is the last line we write before exiting. Errors also go to stderr as one line.
// Nothing is ever written to stdout: it belongs to runc and the container.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace nvrunc::log {

enum class Level { debug, info, warning, error };
enum class Format { text, json };

struct Options {
  std::optional<std::string> runc_log; // runc's --log path
  Format format = Format::text;        // runc's --log-format
  Level threshold = Level::info;       // lines below it are dropped (errors always pass)
  std::string extra_file;              // config `debug`/`log-file`: a second copy ("" = none)
  bool errors_to_stderr = true;
  std::string prefix = "nvrunc: "; // every message says who wrote it (the runc log is shared)
};

// One formatted line, newline included. Pure: used by the Logger and by tests.
std::string format_line(Level level, std::string_view msg, Format format,
                        std::chrono::system_clock::time_point when);

// RFC 3339 in UTC with a "Z" suffix, the shape Go's time.Time unmarshals.
std::string rfc3339(std::chrono::system_clock::time_point when);

std::optional<Level> parse_level(std::string_view name);

class Logger {
public:
  explicit Logger(Options options) : m_options(std::move(options)) {}

  void debug(std::string_view msg) const { write(Level::debug, msg); }
  void info(std::string_view msg) const { write(Level::info, msg); }
  void warning(std::string_view msg) const { write(Level::warning, msg); }
  // The process is about to fail: msg goes to the log files and to stderr, one line each.
  void error(std::string_view msg) const;

  bool enabled(Level level) const { return level >= m_options.threshold; }

private:
  void write(Level level, std::string_view msg) const;
  Options m_options;
};

} // namespace nvrunc::log
