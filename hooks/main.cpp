// nvrunc-hook: the OCI createContainer hook that nvrunc adds to GPU containers (see
// include/nvrunc/hook/hook.hpp for the contract). A thin main: argv, environ and stdin go to the
// library; a last catch-all keeps the one-line error contract even for a bug.
#include <unistd.h>

#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "nvrunc/hook/hook.hpp"

int main(int argc, char** argv) {
  try {
    std::vector<std::string> args(argv + 1, argv + argc);
    return nvrunc::hook::run_hook(args, environ, STDIN_FILENO, std::cout, std::cerr);
  } catch (const std::exception& e) {
    std::cerr << "nvrunc-hook: internal error: " << e.what() << '\n';
  } catch (...) {
    std::cerr << "nvrunc-hook: internal error\n";
  }
  return 1;
}
