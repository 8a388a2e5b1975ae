// runc-format log lines: the JSON shape containerd decodes, and logrus text.
#include <catch2/catch.hpp>

#include <ctime>
#include <vector>

#include <nlohmann/json.hpp>

#include "nvrunc/log/logger.hpp"
#include "test_util.hpp"

using namespace nvrunc;

TEST_CASE("log: json lines are exactly {level,msg,time}", "[log]") {
  auto when = std::chrono::system_clock::from_time_t(1764464523); // 2025-11-30T01:02:03Z
  auto line = log::format_line(log::Level::error, "bad \"id\"\n\x01", log::Format::json, when);
  REQUIRE(line.back() == '\n');
  auto j = nlohmann::ordered_json::parse(line);
  CHECK(j.size() == 3);
  CHECK(j["level"] == "error");
  CHECK(j["msg"] == "bad \"id\"\n\x01");
  CHECK(j["time"] == "2025-11-30T01:02:03Z");
  CHECK(line == "{\"level\":\"error\",\"msg\":\"bad \\\"id\\\"\\n\\u0001\",\"time\":\"2025-11-30T01:02:03Z\"}\n");
}

TEST_CASE("log: text lines follow logrus", "[log]") {
  auto when = std::chrono::system_clock::from_time_t(0);
  CHECK(log::format_line(log::Level::warning, "a \"b\"", log::Format::text, when) ==
        "time=\"1970-01-01T00:00:00Z\" level=warning msg=\"a \\\"b\\\"\"\n");
}

TEST_CASE("log: the logger appends to runc's log, errors last and on stderr", "[log]") {
  test::TempDir dir;
  const std::string path = dir.str() + "/log.json";
  test::write_file(path, "{\"level\":\"info\",\"msg\":\"runc was here\",\"time\":\"2025-01-01T00:00:00Z\"}\n");
  log::Options o;
  o.runc_log = path;
  o.format = log::Format::json;
  o.errors_to_stderr = false;
  log::Logger logger(o);
  logger.debug("dropped below the threshold");
  logger.info("kept");
  logger.error("it failed");
  std::vector<nlohmann::json> lines;
  for (auto l : test::split_lines(test::read_file(path))) lines.push_back(nlohmann::json::parse(l));
  REQUIRE(lines.size() == 3);
  CHECK(lines[0]["msg"] == "runc was here");
  CHECK(lines[1]["msg"] == "nvrunc: kept");
  CHECK(lines[2]["level"] == "error");
  CHECK(lines[2]["msg"] == "nvrunc: it failed");
}

TEST_CASE("log: levels", "[log]") {
  CHECK(log::parse_level("debug") == log::Level::debug);
  CHECK(log::parse_level("trace") == log::Level::debug);
  CHECK(log::parse_level("warn") == log::Level::warning);
  CHECK_FALSE(log::parse_level("loud"));
}

// rfc3339 writes its digits by hand (no printf on the create path): the same text as gmtime_r and
// strftime give, across days, months and leap years, to the end of system_clock's range (its
// nanoseconds end in 2262).
TEST_CASE("log: rfc3339 gives what gmtime and strftime give", "[log]") {
  std::vector<std::time_t> times = {0, 59, 60, 3599, 3600, 86399, 86400, 951782400 /* 2000-02-29 */,
                                    1709164800 /* 2024-02-29 */, 1735689599, 1764464523, 7258118399 /* 2199-12-31T23:59:59 */};
  for (std::time_t t = 0; t < 9214646400; t += 7777777) times.push_back(t); // to 2262, every ~90 days
  for (auto t : times) {
    std::tm tm{};
    REQUIRE(gmtime_r(&t, &tm));
    char expected[64];
    REQUIRE(std::strftime(expected, sizeof expected, "%Y-%m-%dT%H:%M:%SZ", &tm) > 0);
    INFO(t);
    CHECK(log::rfc3339(std::chrono::system_clock::from_time_t(t)) == expected);
  }
}
