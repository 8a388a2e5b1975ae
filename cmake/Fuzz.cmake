# libFuzzer builds (test/fuzz/). Included from the top-level CMakeLists.txt after NvruncTargets.cmake.
#
#   cmake -S . -B build-fuzz -DNVRUNC_FUZZ=ON -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++
#   cmake --build build-fuzz --target nvrunc_fuzz
#
# With NVRUNC_FUZZ every nvrunc library is built with coverage instrumentation for libFuzzer
# (-fsanitize=fuzzer-no-link) plus AddressSanitizer and UndefinedBehaviorSanitizer, so a bug found
# in a module is reported where it happens; the fuzz targets link libFuzzer's main. Only clang has
# libFuzzer (Debian: clang and libclang-rt-dev).

# NVRUNC_FUZZ is an option of the top-level CMakeLists.txt (NvruncTargets.cmake reads it first).

if(NVRUNC_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "NVRUNC_FUZZ needs clang (libFuzzer): configure with -DCMAKE_CXX_COMPILER=clang++ "
                        "-DCMAKE_C_COMPILER=clang, or run test/fuzz/run.sh")
  endif()
  set(NVRUNC_FUZZ_SANITIZERS address,undefined)
  # -Wno-error: the code is held to -Werror with GCC; clang's extra warnings (libseccomp's SCMP_A0
  # compound literals in os/sandbox.cpp) are shown but must not stop a fuzz build.
  target_compile_options(nvrunc_build_flags INTERFACE
    -fsanitize=fuzzer-no-link,${NVRUNC_FUZZ_SANITIZERS} -fno-sanitize-recover=all -fno-omit-frame-pointer -g
    -Wno-error)
  target_link_options(nvrunc_build_flags INTERFACE -fsanitize=${NVRUNC_FUZZ_SANITIZERS})
  # Sanitizer runtimes and static libstdc++ do not mix: a fuzz build is never a portable one.
  set(NVRUNC_PORTABLE OFF)
endif()
