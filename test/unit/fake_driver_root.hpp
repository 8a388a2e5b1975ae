// A fake driver root on disk for discovery tests (no root needed): see make_fake_root.
#pragma once

#include <sys/stat.h>

#include <string>

#include <catch2/catch.hpp>

#include "nvrunc/discover/inventory.hpp"
#include "nvrunc/mock/assets.hpp"
#include "test_util.hpp"

namespace nvrunc::test::fake_driver {

inline const std::string version = "550.54.15";
inline const std::string libdir = "/usr/lib/x86_64-linux-gnu";

inline void write_library(const std::string& path, const std::string& soname) {
  auto image = mock::patch_soname(mock::asset_bytes(mock::Asset::stub_library), soname);
  REQUIRE(image);
  test::write_file(path, *image);
}

inline void write_executable(const std::string& path, const std::string& content) {
  test::write_file(path, content);
  ::chmod(path.c_str(), 0755);
}

// A driver root with two GPUs (listed out of bus order), libcuda and libnvidia-ml of the running
// driver, a stale libcuda of an older driver later in the cache, a wrapper-script nvidia-smi in
// /usr/bin and the real one in /usr/local/nvidia/bin. No device nodes: those need root.
inline std::string make_fake_root(const test::TempDir& dir) {
  const std::string r = dir.str();
  test::write_file(r + "/proc/driver/nvidia/version",
                   "NVRM version: NVIDIA UNIX x86_64 Kernel Module  " + version + "  Tue Mar  5 22:23:56 UTC 2024\n");
  test::write_file(r + "/proc/driver/nvidia/gpus/0000:47:00.0/information",
                   "Model: \t\t NVIDIA A100\nGPU UUID: \t GPU-bbbbbbbb-0000-0000-0000-000000000000\nBus Location: \t 0000:47:00.0\nDevice Minor: \t 3\n");
  test::write_file(r + "/proc/driver/nvidia/gpus/0000:07:00.0/information",
                   "Model: \t\t NVIDIA A100\nGPU UUID: \t GPU-aaaaaaaa-0000-0000-0000-000000000000\nBus Location: \t 0000:07:00.0\nDevice Minor: \t 5\n");
  test::write_file(r + "/proc/driver/nvidia/gpus/0000:99:00.0/information", "Model: \t\t broken\n");
  test::write_file(r + "/proc/devices", "Character devices:\n  1 mem\n195 nvidia\n507 nvidia-uvm\n\nBlock devices:\n  7 loop\n");
  write_library(r + libdir + "/libcuda.so." + version, "libcuda.so.1");
  write_library(r + libdir + "/libnvidia-ml.so." + version, "libnvidia-ml.so.1");
  write_library(r + "/opt/old/libcuda.so.470.1.2", "libcuda.so.1");
  test::write_file(r + "/etc/ld.so.conf", libdir + "\n/opt/old\n");
  REQUIRE(test::sh("ldconfig -r " + r + " 2>/dev/null") == 0);
  write_executable(r + "/usr/bin/nvidia-smi", "#!/bin/sh\nexec /usr/local/nvidia/bin/nvidia-smi \"$@\"\n");
  test::write_file(r + "/usr/local/nvidia/bin/nvidia-smi", std::string(mock::asset_bytes(mock::Asset::smi_binary)));
  ::chmod((r + "/usr/local/nvidia/bin/nvidia-smi").c_str(), 0755);
  return r;
}

inline discover::DiscoverOptions options() {
  discover::DiscoverOptions o;
  o.binary_search_paths = {"/usr/bin", "/bin", "/usr/local/nvidia/bin"};
  return o;
}

} // namespace nvrunc::test::fake_driver
