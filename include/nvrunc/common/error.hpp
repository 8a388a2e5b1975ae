// The error contract shared by every nvrunc module.
//
// - Fallible functions return Result<T> (tl::expected<T, Error>) and are [[nodiscard]].
// - An Error carries a code that tests assert on, a one-line message and, for system calls, the errno.
// - Messages are lowercase, without a trailing period, in the form "verb `object`: cause".
// - Each layer that knows something adds context once, with Error::wrap: "create: read `config.json`: ...".
// - Errors are logged once, where the process exits. Third-party exceptions are caught at the adapter.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include <tl/expected.hpp>

namespace nvrunc {

enum class Errc {
  invalid_argument,  // bad input from the caller (argv, env, config value)
  bad_spec,          // config.json is not a valid OCI spec for what we need
  bad_config,        // config.toml cannot be parsed or has a bad value
  not_found,         // a file, binary or runtime that is needed does not exist
  unknown_device,    // a requested GPU id does not match any GPU on this node
  driver_missing,    // a GPU was requested but the driver is not loaded / not found
  unmet_requirement, // NVIDIA_REQUIRE_* is not satisfied
  io,                // a system call failed
  unsafe_path,       // a path would leave its root or crosses a symlink it must not
  unsupported,       // recognised but not implemented for this input
  stale_spec,        // a CDI spec no longer matches the host (driver version, files)
  internal,          // a bug: an invariant was broken
};

class [[nodiscard]] Error {
public:
  Error(Errc code, std::string message, int sys_errno = 0)
      : m_code(code), m_message(std::move(message)), m_errno(sys_errno) {}

  Errc code() const { return m_code; }
  int sys_errno() const { return m_errno; }
  // The message without the strerror part.
  const std::string& message() const { return m_message; }
  // The full one-line text: "message: strerror" when there is an errno.
  std::string what() const;

  // Prefix context: wrap("create") turns "x: y" into "create: x: y".
  Error wrap(std::string_view context) &&;
  Error wrap(std::string_view context) const&;

private:
  Errc m_code;
  std::string m_message;
  int m_errno;
};

template <class T>
using Result = tl::expected<T, Error>;

// Failing is the unlikely way out: these are declared cold, so that the compiler moves the code
// leading to them (building the message, unwinding the Result) out of the hot part of each function,
// into a `.cold` part. Every create runs some 400 KB of functions once, in a fresh process where each
// page of code costs a fault and TLB misses; their error paths are most of that size.
[[gnu::cold]] tl::unexpected<Error> fail(Errc code, std::string message, int sys_errno = 0);
[[gnu::cold]] tl::unexpected<Error> fail(Error error);

// A system call failed: captures errno at the call site.
[[gnu::cold]] tl::unexpected<Error> fail_errno(std::string message);

// Adds context to the error of a failed Result, passes a success through.
template <class T>
Result<T> with_context(Result<T>&& result, std::string_view context) {
  if (!result) return fail(std::move(result.error()).wrap(context));
  return std::move(result);
}

std::string_view errc_name(Errc code);

} // namespace nvrunc

// NVRUNC_TRY(var, expr): evaluates expr (a Result); on error returns it from the enclosing function,
// otherwise moves the value into a new variable `var`. The only function-like macro we allow.
#define NVRUNC_TRY(var, expr)                                                                      \
  auto var##_result_ = (expr);                                                                     \
  if (!var##_result_) return ::nvrunc::fail(std::move(var##_result_.error()));                     \
  auto var = std::move(*var##_result_)
