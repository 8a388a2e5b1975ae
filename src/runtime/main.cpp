// nvrunc: a runc-compatible runtime that injects NVIDIA GPUs, then execs runc.
#include <unistd.h>

#include <exception>
#include <string>

#include "nvrunc/runtime/shim.hpp"

int main(int argc, char** argv) {
  try {
    return nvrunc::runtime::run(argc, argv);
  } catch (const std::exception& e) {
    std::string line = std::string("nvrunc: internal error: ") + e.what() + "\n";
    (void)!::write(STDERR_FILENO, line.data(), line.size());
  } catch (...) {
    const char line[] = "nvrunc: internal error\n";
    (void)!::write(STDERR_FILENO, line, sizeof line - 1);
  }
  return 1;
}
