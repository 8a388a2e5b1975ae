// runc's argv grammar (runc_args::parse), the first thing the shim does with untrusted-shaped input.
// Input: the argv, one argument per line (argv[0] first), as containerd, podman or a person send it.
// Properties: parse never throws; argv is kept verbatim (the shim execs runc with it); what it
// extracts comes from argv; the char** entry point agrees with the span one; parsing is a function.
#include <cstring>

#include "fuzz_util.hpp"
#include "nvrunc/runc_args/invocation.hpp"

using namespace nvrunc;

namespace {

bool same(const runc_args::Invocation& a, const runc_args::Invocation& b) {
  return a.argv == b.argv && a.command == b.command && a.root == b.root && a.log == b.log &&
         a.log_format == b.log_format && a.debug == b.debug && a.version == b.version && a.help == b.help &&
         a.bundle == b.bundle && a.container_id == b.container_id && a.problem == b.problem;
}

// `value` is an argument, or the part of one after '='.
bool from_argv(const std::vector<std::string>& argv, const std::string& value) {
  for (const auto& a : argv) {
    if (a == value) return true;
    if (a.size() > value.size() && a.compare(a.size() - value.size(), value.size(), value) == 0 &&
        a[a.size() - value.size() - 1] == '=')
      return true;
  }
  return false;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 64 * 1024) return -1; // no argv is that long; keep executions fast
  std::vector<std::string> args;
  if (size) args = fuzz::split_all(fuzz::as_text(data, size), '\n');
  const auto inv = runc_args::parse(std::span<const std::string>(args));

  fuzz::expect(args.empty() ? inv.argv.size() == 1 : inv.argv == args, "argv is kept verbatim");
  fuzz::expect(inv.command.empty() || from_argv(inv.argv, inv.command), "the command is an argument");
  if (!inv.modifies_spec())
    fuzz::expect(inv.bundle.empty() && inv.container_id.empty(), "only create/run read a bundle and an id");
  fuzz::expect(inv.bundle.empty() || from_argv(inv.argv, inv.bundle), "the bundle comes from argv");
  fuzz::expect(inv.container_id.empty() || from_argv(inv.argv, inv.container_id), "the id comes from argv");
  if (inv.root) fuzz::expect(from_argv(inv.argv, *inv.root), "--root comes from argv");
  if (inv.log) fuzz::expect(from_argv(inv.argv, *inv.log), "--log comes from argv");
  fuzz::expect(same(inv, runc_args::parse(std::span<const std::string>(inv.argv))), "parsing is a function");

  // The shim's own entry point: main's (argc, argv). C strings cannot hold NUL.
  bool has_nul = false;
  for (const auto& a : args) has_nul = has_nul || a.find('\0') != std::string::npos;
  if (!has_nul && !args.empty()) {
    std::vector<const char*> c_args;
    for (const auto& a : args) c_args.push_back(a.c_str());
    c_args.push_back(nullptr);
    fuzz::expect(same(inv, runc_args::parse(static_cast<int>(args.size()), c_args.data())),
                 "parse(argc, argv) agrees with parse(span)");
  }
  return 0;
}
