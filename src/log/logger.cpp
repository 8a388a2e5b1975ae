#include "nvrunc/log/logger.hpp"

#include <unistd.h>

#include <cstdio>
#include <ctime>

#include "nvrunc/os/file.hpp"

namespace nvrunc::log {

namespace {

std::string_view level_name(Level level) {
  switch (level) {
  case Level::debug: return "debug";
  case Level::info: return "info";
  case Level::warning: return "warning";
  case Level::error: return "error";
  }
  return "info";
}

// JSON string body escaping (RFC 8259): quotes, backslash and control characters.
void append_escaped(std::string& out, std::string_view s, bool json) {
  static const char hex[] = "0123456789abcdef";
  for (unsigned char c : s) {
    switch (c) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    case '\t': out += "\\t"; break;
    default:
      if (c < 0x20 || (json && c == 0x7f)) {
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 15];
      } else {
        out += static_cast<char>(c);
      }
    }
  }
}

} // namespace

std::string rfc3339(std::chrono::system_clock::time_point when) {
  // Calendar arithmetic, not gmtime_r/strftime: glibc's time functions load /etc/localtime (tzset)
  // on first use even for UTC, a file read on every create.
  using namespace std::chrono;
  const auto secs = floor<seconds>(when);
  const auto day = floor<days>(secs);
  const year_month_day date(day);
  const hh_mm_ss<seconds> time(secs - day);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", int(date.year()), unsigned(date.month()),
                unsigned(date.day()), int(time.hours().count()), int(time.minutes().count()),
                int(time.seconds().count()));
  return buf;
}

std::string format_line(Level level, std::string_view msg, Format format, std::chrono::system_clock::time_point when) {
  std::string out;
  if (format == Format::json) {
    out = "{\"level\":\"";
    out += level_name(level);
    out += "\",\"msg\":\"";
    append_escaped(out, msg, true);
    out += "\",\"time\":\"" + rfc3339(when) + "\"}\n";
  } else {
    // logrus TextFormatter, as runc writes it when the log is not a terminal.
    out = "time=\"" + rfc3339(when) + "\" level=" + std::string(level_name(level)) + " msg=\"";
    append_escaped(out, msg, false);
    out += "\"\n";
  }
  return out;
}

std::optional<Level> parse_level(std::string_view name) {
  if (name == "trace" || name == "debug") return Level::debug;
  if (name == "info") return Level::info;
  if (name == "warn" || name == "warning") return Level::warning;
  if (name == "error" || name == "fatal" || name == "panic") return Level::error;
  return std::nullopt;
}

void Logger::write(Level level, std::string_view msg) const {
  if (!enabled(level) && level != Level::error) return;
  const std::string line =
      format_line(level, m_options.prefix + std::string(msg), m_options.format, std::chrono::system_clock::now());
  // Logging is best effort: a log we cannot write must not change what the runtime does.
  if (m_options.runc_log && !m_options.runc_log->empty()) (void)os::append_file(*m_options.runc_log, line);
  if (!m_options.extra_file.empty() && m_options.extra_file != "/dev/null")
    (void)os::append_file(m_options.extra_file, line);
}

void Logger::error(std::string_view msg) const {
  write(Level::error, msg);
  if (!m_options.errors_to_stderr) return;
  std::string line = m_options.prefix;
  line += msg;
  line += '\n';
  (void)!::write(STDERR_FILENO, line.data(), line.size());
}

} // namespace nvrunc::log
