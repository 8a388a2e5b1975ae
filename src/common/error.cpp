#include "nvrunc/common/error.hpp"

#include <cerrno>
#include <cstring>

namespace nvrunc {

std::string Error::what() const {
  if (m_errno == 0) return m_message;
  return m_message + ": " + std::strerror(m_errno);
}

Error Error::wrap(std::string_view context) && {
  m_message = std::string(context) + ": " + m_message;
  return std::move(*this);
}

Error Error::wrap(std::string_view context) const& {
  Error copy = *this;
  return std::move(copy).wrap(context);
}

tl::unexpected<Error> fail(Errc code, std::string message, int sys_errno) {
  return tl::unexpected<Error>(Error(code, std::move(message), sys_errno));
}

tl::unexpected<Error> fail(Error error) { return tl::unexpected<Error>(std::move(error)); }

tl::unexpected<Error> fail_errno(std::string message) {
  int saved = errno;
  return tl::unexpected<Error>(Error(Errc::io, std::move(message), saved));
}

std::string_view errc_name(Errc code) {
  switch (code) {
  case Errc::invalid_argument: return "invalid_argument";
  case Errc::bad_spec: return "bad_spec";
  case Errc::bad_config: return "bad_config";
  case Errc::not_found: return "not_found";
  case Errc::unknown_device: return "unknown_device";
  case Errc::driver_missing: return "driver_missing";
  case Errc::unmet_requirement: return "unmet_requirement";
  case Errc::stale_spec: return "stale_spec";
  case Errc::io: return "io";
  case Errc::unsafe_path: return "unsafe_path";
  case Errc::unsupported: return "unsupported";
  case Errc::internal: return "internal";
  }
  return "unknown";
}

} // namespace nvrunc
