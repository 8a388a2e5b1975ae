# Helpers shared by every target: warnings, sanitizers, portable linking.

add_library(nvrunc_build_flags INTERFACE)
target_compile_options(nvrunc_build_flags INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Werror -Wshadow -Wnon-virtual-dtor>
  $<$<COMPILE_LANGUAGE:C>:-Wall -Wextra -Werror>)
# GCC 12 reports -Wrestrict false positives inside libstdc++'s string concatenation at -O2
# (GCC bug 105329, fixed in GCC 13): keep the warning off rather than contort correct code.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(nvrunc_build_flags INTERFACE $<$<COMPILE_LANGUAGE:CXX>:-Wno-restrict>)
endif()
target_compile_definitions(nvrunc_build_flags INTERFACE
  NVRUNC_VERSION="${PROJECT_VERSION}" _GNU_SOURCE)
if(NVRUNC_SANITIZE)
  target_compile_options(nvrunc_build_flags INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer
                         -fno-sanitize-recover=undefined)
  target_link_options(nvrunc_build_flags INTERFACE -fsanitize=address,undefined)
endif()

# nvrunc_library(NAME SOURCES ... [PUBLIC_LIBS ...] [PRIVATE_LIBS ...])
# One static library per module; headers live in include/nvrunc/<module>/.
function(nvrunc_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_LIBS;PRIVATE_LIBS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/include)
  target_link_libraries(${name} PUBLIC ${ARG_PUBLIC_LIBS} PRIVATE nvrunc_build_flags ${ARG_PRIVATE_LIBS})
endfunction()

# Static libcap/libseccomp when building portable binaries, shared otherwise.
function(nvrunc_link_os_libs target)
  if(NVRUNC_PORTABLE AND NOT NVRUNC_SANITIZE)
    find_library(LIBCAP_STATIC NAMES libcap.a REQUIRED)
    find_library(LIBSECCOMP_STATIC NAMES libseccomp.a REQUIRED)
    target_link_libraries(${target} PRIVATE ${LIBCAP_STATIC} ${LIBSECCOMP_STATIC})
  else()
    target_link_libraries(${target} PRIVATE ${LIBCAP_LINK_LIBRARIES} ${LIBSECCOMP_LINK_LIBRARIES})
  endif()
endfunction()

# nvrunc_executable(NAME [STATIC] [NO_STD_STREAMS] SOURCES ... LIBS ...): a binary that needs
# nothing but glibc at run time; with STATIC, nothing at all (-static: no dynamic loader to map,
# which makes exec ~0.4 ms cheaper). A STATIC binary must not call dlopen or the NSS functions
# (getpwnam...): static glibc would need the exact glibc it was linked with at run time. Sanitizer
# and fuzz builds (never portable) stay dynamic: their runtimes need it.
# NO_STD_STREAMS (with STATIC): std::ios_base::Init is skipped (src/startup/no_std_streams.cpp),
# which saves the start-up cost of std::cout and friends in a binary that never uses them; the
# build fails if one is linked in anyway (cmake/CheckNoStdStreams.cmake). Only with libstdc++
# before 13, where every file that includes <iostream> runs its own `static ios_base::Init`;
# libstdc++ 13 builds the streams in the library itself, and there the option does nothing.
include(CheckCXXSourceCompiles)
check_cxx_source_compiles("#include <version>
#if !defined(__GLIBCXX__) || _GLIBCXX_RELEASE >= 13
#error not libstdc++ before 13
#endif
int main() { return 0; }" NVRUNC_IOS_INIT_PER_TU)
# Hot-function order (portable builds): nvrunc and nvrunc-hook run once per container and each
# page of code they touch costs a page fault (about 5 us each on a VM, where fault-around maps 64 KiB
# at a time). Compiled with one section per function and linked by lld with
# cmake/hot-functions.order (test/bench/hot-functions.sh writes it from a profile of the benchmark's
# cases), the code every container runs sits together at the start of .text; unused sections are
# dropped. Without lld the binaries link as before, only slower to start.
set(NVRUNC_HOT_FUNCTIONS ${PROJECT_SOURCE_DIR}/cmake/hot-functions.order)
set(NVRUNC_LINK_ORDER OFF)
if(NVRUNC_PORTABLE AND NOT NVRUNC_SANITIZE AND NOT NVRUNC_FUZZ)
  include(CheckLinkerFlag)
  check_linker_flag(CXX "-fuse-ld=lld;-Wl,--symbol-ordering-file=${NVRUNC_HOT_FUNCTIONS}" NVRUNC_HAVE_LLD)
  if(NVRUNC_HAVE_LLD)
    set(NVRUNC_LINK_ORDER ON)
    target_compile_options(nvrunc_build_flags INTERFACE -ffunction-sections -fdata-sections)
  else()
    message(WARNING "lld not found (packaging/install-deps.sh installs it): nvrunc and nvrunc-hook are "
                    "linked without the hot-function order, and start slower")
  endif()
endif()

function(nvrunc_executable name)
  cmake_parse_arguments(ARG "STATIC;NO_STD_STREAMS;SMALL_OBJECTS" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE nvrunc_build_flags ${ARG_LIBS})
  if(NVRUNC_PORTABLE AND NOT NVRUNC_SANITIZE AND NOT NVRUNC_FUZZ)
    if(ARG_STATIC)
      target_link_options(${name} PRIVATE -static)
      if(NVRUNC_LINK_ORDER)
        target_link_options(${name} PRIVATE -fuse-ld=lld -Wl,--gc-sections
                            -Wl,--symbol-ordering-file=${NVRUNC_HOT_FUNCTIONS} -Wl,--no-warn-symbol-ordering)
        set_property(TARGET ${name} APPEND PROPERTY LINK_DEPENDS ${NVRUNC_HOT_FUNCTIONS})
      endif()
      if(ARG_SMALL_OBJECTS)
        target_sources(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src/startup/small_objects.cpp)
      endif()
      if(ARG_NO_STD_STREAMS AND NVRUNC_IOS_INIT_PER_TU)
        target_sources(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src/startup/no_std_streams.cpp)
        target_link_options(${name} PRIVATE -Wl,--wrap=_ZNSt8ios_base4InitC1Ev -Wl,--wrap=_ZNSt8ios_base4InitD1Ev)
        add_custom_command(TARGET ${name} POST_BUILD
          COMMAND ${CMAKE_COMMAND} -DNM=${CMAKE_NM} -DBINARY=$<TARGET_FILE:${name}>
                  -P ${PROJECT_SOURCE_DIR}/cmake/CheckNoStdStreams.cmake
          VERBATIM)
      endif()
    else()
      target_link_options(${name} PRIVATE -static-libstdc++ -static-libgcc)
    endif()
  endif()
  nvrunc_link_os_libs(${name})
  install(TARGETS ${name} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endfunction()
