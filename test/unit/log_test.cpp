// runc-format log lines: the JSON shape containerd decodes, and logrus text.
#include <catch2/catch.hpp>

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
