# The Debian package: `cpack -G DEB` in a build directory makes nvrunc_<version>_<arch>.deb.
# Included from the top-level CMakeLists.txt after the install rules.
#
#   /usr/bin/nvrunc, nvrunc-hook, nvrunc-ctl    (nvrunc_executable's install rules)
#   /etc/nvrunc/config.toml                     a conffile: dpkg keeps the administrator's edits
#   /usr/share/nvrunc/kubernetes/               RuntimeClass, node installer, example pod
#
# The binaries need nothing but glibc (DESIGN.md §6), so the only dependency is libc6 at the
# version of the build host's glibc.

install(DIRECTORY ${PROJECT_SOURCE_DIR}/packaging/kubernetes/
        DESTINATION ${CMAKE_INSTALL_DATADIR}/nvrunc/kubernetes)

execute_process(COMMAND getconf GNU_LIBC_VERSION OUTPUT_VARIABLE _nvrunc_glibc OUTPUT_STRIP_TRAILING_WHITESPACE
                ERROR_QUIET)
string(REGEX MATCH "[0-9]+\\.[0-9]+" _nvrunc_glibc_version "${_nvrunc_glibc}")
if(NOT _nvrunc_glibc_version)
  set(_nvrunc_glibc_version 2.36)
endif()

# conffiles lists every file under /etc that dpkg must treat as configuration.
set(_nvrunc_deb_control ${PROJECT_BINARY_DIR}/packaging/deb)
file(WRITE ${_nvrunc_deb_control}/conffiles "/etc/nvrunc/config.toml\n")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME nvrunc)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "nvrunc")
set(CPACK_PACKAGE_CONTACT "nvrunc maintainers <nvrunc-maintainers@lists.example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "runc-compatible runtime that gives OCI containers NVIDIA GPUs")
# The extended description (dpkg shows CPACK_PACKAGE_DESCRIPTION_SUMMARY as its first line). One
# string: a CMake list would come out joined with ';'.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "nvrunc is called by container engines exactly as runc is (containerd's \
BinaryName, a Kubernetes RuntimeClass handler, podman --runtime). For containers that ask for GPUs it \
adds the device nodes, cgroup rules, driver libraries and one hook to config.json, then runs runc. \
nvrunc-ctl configures containerd, CRI-O and Docker (runtime configure), checks a node (doctor) and \
builds simulated GPU nodes for testing without GPUs (mock-driver).")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libc6 (>= ${_nvrunc_glibc_version})")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "runc | crun")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${_nvrunc_deb_control}/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_STRIP_FILES TRUE)
include(CPack)
