#include "nvrunc/log/logger.hpp"

#include <unistd.h>

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
  // Digits by hand: printf's machinery is the largest code a create would otherwise run for this.
  // system_clock counts nanoseconds in 64 bits: its years are 1677 to 2262, always four digits.
  const int year = int(date.year());
  char buf[] = "0000-00-00T00:00:00Z";
  const auto put = [&buf](size_t at, unsigned value, int width) {
    for (int i = width - 1; i >= 0; --i, value /= 10) buf[at + static_cast<size_t>(i)] = static_cast<char>('0' + value % 10);
  };
  put(0, unsigned(year), 4);
  put(5, unsigned(date.month()), 2);
  put(8, unsigned(date.day()), 2);
  put(11, unsigned(time.hours().count()), 2);
  put(14, unsigned(time.minutes().count()), 2);
  put(17, unsigned(time.seconds().count()), 2);
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
