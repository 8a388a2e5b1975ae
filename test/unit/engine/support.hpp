// Helpers for the engine tests: fixtures, and checks that hold for every configured file.
#pragma once

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "nvrunc/engine/engine.hpp"

namespace nvrunc::engine::test {

inline std::string fixture(const std::string& name) {
  std::ifstream in(std::string(NVRUNC_ENGINE_FIXTURES) + "/" + name, std::ios::binary);
  if (!in) throw std::runtime_error("missing fixture " + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string line; std::getline(ss, line);) out.push_back(line);
  return out;
}

// Every line of `before` is in `after`, in the same order: the edit only inserted lines.
inline bool only_inserted(const std::string& before, const std::string& after) {
  const auto a = lines_of(before), b = lines_of(after);
  size_t j = 0;
  for (const auto& line : a) {
    while (j < b.size() && b[j] != line) ++j;
    if (j == b.size()) return false;
    ++j;
  }
  return true;
}

// Every comment line of `before` survives.
inline bool comments_kept(const std::string& before, const std::string& after) {
  for (const auto& line : lines_of(before)) {
    auto hash = line.find('#');
    if (hash == std::string::npos) continue;
    if (after.find(line.substr(hash)) == std::string::npos) return false;
  }
  return true;
}

inline ConfigureOptions options(bool set_default = false, bool cdi = false) {
  ConfigureOptions o;
  o.binary = "/usr/bin/nvrunc";
  o.set_as_default = set_default;
  o.enable_cdi = cdi;
  return o;
}

} // namespace nvrunc::engine::test
