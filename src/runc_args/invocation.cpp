#include "nvrunc/runc_args/invocation.hpp"

#include <algorithm>
#include <array>
#include <string_view>

namespace nvrunc::runc_args {

namespace {

enum class Kind { boolean, value };

struct Flag {
  std::string_view name; // without dashes
  Kind kind;
};

// runc's global flags (main.go). Unknown global flags are treated as booleans, like runc would
// reject them anyway and we pass the call through.
constexpr std::array global_flags = {
    Flag{"root", Kind::value},    Flag{"log", Kind::value},      Flag{"log-format", Kind::value},
    Flag{"rootless", Kind::value}, Flag{"criu", Kind::value},    Flag{"debug", Kind::boolean},
    Flag{"systemd-cgroup", Kind::boolean}, Flag{"help", Kind::boolean}, Flag{"h", Kind::boolean},
    Flag{"version", Kind::boolean}, Flag{"v", Kind::boolean},
};

// Flags of `create` and `run` (create.go, run.go) that take a value. Everything else they accept
// is boolean (--no-pivot, --no-new-keyring, --detach/-d, --keep, --no-subreaper).
constexpr std::array create_value_flags = {
    std::string_view("bundle"), std::string_view("b"), std::string_view("console-socket"),
    std::string_view("pidfd-socket"), std::string_view("pid-file"), std::string_view("preserve-fds"),
};

struct Token {
  bool is_flag = false;
  std::string_view name;                 // flag name without dashes
  std::optional<std::string_view> value; // from --name=value
};

Token classify(std::string_view arg) {
  if (arg.size() < 2 || arg[0] != '-' || arg == "--") return {};
  auto body = arg.substr(arg[1] == '-' ? 2 : 1);
  if (body.empty() || body[0] == '-') return {};
  Token t{true, body, std::nullopt};
  if (auto eq = body.find('='); eq != std::string_view::npos) {
    t.name = body.substr(0, eq);
    t.value = body.substr(eq + 1);
  }
  return t;
}

Kind global_kind(std::string_view name) {
  for (const auto& f : global_flags)
    if (f.name == name) return f.kind;
  return Kind::boolean;
}

void apply_global(Invocation& inv, std::string_view name, std::string_view value) {
  if (name == "root") inv.root = std::string(value);
  else if (name == "log") inv.log = std::string(value);
  else if (name == "log-format") inv.log_format = value == "json" ? LogFormat::json : LogFormat::text;
  else if (name == "debug") inv.debug = value != "false";
  else if (name == "version" || name == "v") inv.version = value != "false";
  else if (name == "help" || name == "h") inv.help = value != "false";
}

// Walks the global flags; returns the index of the command word (argv.size() if none).
size_t parse_globals(Invocation& inv) {
  const auto& argv = inv.argv;
  size_t i = 1;
  for (; i < argv.size(); ++i) {
    Token t = classify(argv[i]);
    if (!t.is_flag) break;
    if (global_kind(t.name) == Kind::boolean) {
      apply_global(inv, t.name, t.value.value_or("true"));
      continue;
    }
    if (t.value) {
      apply_global(inv, t.name, *t.value);
    } else if (i + 1 < argv.size()) {
      apply_global(inv, t.name, argv[++i]);
    } else {
      inv.problem = "global flag `" + argv[i] + "` has no value";
      return argv.size();
    }
  }
  return i;
}

bool takes_value(std::string_view name) {
  return std::find(create_value_flags.begin(), create_value_flags.end(), name) != create_value_flags.end();
}

// Scans the arguments of create/run for the bundle and the container id.
void parse_create(Invocation& inv, size_t first) {
  const auto& argv = inv.argv;
  std::vector<std::string> positional;
  bool flags_done = false;
  for (size_t i = first; i < argv.size(); ++i) {
    Token t = flags_done ? Token{} : classify(argv[i]);
    if (!flags_done && argv[i] == "--") {
      flags_done = true;
      continue;
    }
    if (!t.is_flag) {
      positional.push_back(argv[i]);
      continue;
    }
    if (!takes_value(t.name)) continue;
    std::string value;
    if (t.value) {
      value = std::string(*t.value);
    } else if (i + 1 < argv.size()) {
      value = argv[++i];
    } else {
      inv.problem = "flag `" + argv[i] + "` of `" + inv.command + "` has no value";
      return;
    }
    if (t.name == "bundle" || t.name == "b") inv.bundle = value; // the last one wins, as in runc
  }
  if (positional.size() == 1) inv.container_id = positional[0];
  else inv.problem = "`" + inv.command + "` expects exactly one container id, got " + std::to_string(positional.size());
}

} // namespace

Invocation parse(std::span<const std::string> argv) {
  Invocation inv;
  inv.argv.assign(argv.begin(), argv.end());
  if (inv.argv.empty()) inv.argv.emplace_back("nvrunc");
  size_t cmd = parse_globals(inv);
  if (cmd >= inv.argv.size()) return inv;
  inv.command = inv.argv[cmd];
  if (inv.modifies_spec()) parse_create(inv, cmd + 1);
  return inv;
}

Invocation parse(int argc, const char* const* argv) {
  std::vector<std::string> args(argv, argv + argc);
  return parse(std::span<const std::string>(args));
}

} // namespace nvrunc::runc_args
