// MIG on the simulated node: layouts, placement, identities and the driver's capability numbering
// (shared/reference/libnvidia-container.md §3.1; NVIDIA's MIG user guide). Pure functions.
//
// Layout grammar (`--mig-layout GPU:LAYOUT`; `--mig GPUS` takes the model's default layout):
//
//   LAYOUT     = ENTRY { "," ENTRY }
//   ENTRY      = GI_PROFILE                      a GPU instance (GI) with one compute instance (CI)
//                                                using all of it: 1g.10gb
//              | CI_PROFILE { "+" CI_PROFILE }   one GI split into CIs: 1c.3g.40gb+2c.3g.40gb
//   GI_PROFILE = <g>g.<memory>   (g compute, m memory slices) one of (1,1) (1,2) (2,2) (3,4) (4,4)
//                                (7,8); the memory names are the model's: 1g.10gb 1g.20gb 2g.20gb
//                                3g.40gb 4g.40gb 7g.80gb on an A100 80GB or H100 80GB
//   CI_PROFILE = <c>c.<GI_PROFILE>  with 1 <= c < g; the c of one GI add up to at most g
//
// Each ENTRY is one GI; each CI is one MIG device. A GPU holds at most 7 MIG devices, 7 compute and
// 8 memory slices, with GIs placed where the hardware allows (7g at 0; 4g at 0; 3g at 0 or 4; 2g at
// 0, 2, 4; 1g with 2 memory slices at 0, 2, 4, 6; 1g at 0..6), found by search like the driver's
// allocator would. GI ids follow the placement as on A100/H100: 7g 0, 4g 1, 3g 1 + start/4,
// two-slice GIs 3 + start/2, 1g 7 + start (so gi1, gi2, gi9... as on real hosts). CI ids count from
// 0 inside each GI. Devices are ordered by (gi, ci), which is their MIG device index.
//
// Capability minors (/proc/driver/nvidia-caps/mig-minors): config 1, monitor 2, then 135 per GPU
// minor G (15 GIs x (1 + 8 CIs)): gpu<G>/gi<I>/access = 3 + 135 G + 9 I, gpu<G>/gi<I>/ci<C>/access =
// that + 1 + C. The file lists all 32 x 15 x 9 of them whatever exists.
#pragma once

#include <string>
#include <vector>

#include "nvrunc/common/error.hpp"
#include "nvrunc/mock/mock_driver.hpp"

namespace nvrunc::mock {

inline constexpr unsigned mig_config_minor = 1;
inline constexpr unsigned mig_monitor_minor = 2;
inline constexpr unsigned mig_max_gpus = 32; // GPU minors the capability numbering covers
inline constexpr unsigned mig_max_gis = 15;
inline constexpr unsigned mig_max_cis = 8;
inline constexpr unsigned mig_max_devices = 7; // nvmlDeviceGetMaxMigDeviceCount on A100/H100/H200

// DeviceFileMode of the capability files (and mode of their nodes): config is root-only (0400), the
// rest world-readable (0444), as the driver creates them.
inline constexpr unsigned mig_config_mode = 0400;
inline constexpr unsigned mig_access_mode = 0444;

unsigned mig_gi_minor(unsigned gpu_minor, unsigned gi);
unsigned mig_ci_minor(unsigned gpu_minor, unsigned gi, unsigned ci);

// `--mig 1,6`: GPU indexes, each with the default layout. Fails (Errc::invalid_argument) on
// anything but a comma-separated list of distinct numbers.
Result<std::vector<MigRequest>> parse_mig_gpus(const std::string& text);

// `--mig-layout 0:1g.10gb,2g.20gb`: one GPU index and its layout (checked when planned).
Result<MigRequest> parse_mig_layout(const std::string& text);

// The default layout of a MIG-capable model: two 1-slice GIs, one 2-slice GI, and a 3-slice GI
// split into two CIs (1c + 2c): 7 compute and 8 memory slices, 5 MIG devices, every id scheme used.
std::string default_mig_layout(const GpuModel& model);

// Enables MIG on `gpu` with `layout` ("" = default): sets mig_enabled and the MIG devices, their
// GI/CI ids, memory, cap minors and UUIDs (from `uuid_seed`, the GPU index, GI and CI). Fails
// (Errc::invalid_argument, message naming the GPU and the profile) when the model has no MIG, the
// GPU minor is 32 or more, or the layout is malformed or does not fit.
Result<void> plan_mig(Gpu& gpu, const std::string& layout, const std::string& uuid_seed);

// /proc/driver/nvidia-caps/mig-minors: every capability of 32 GPUs, one "<name> <minor>" a line.
std::string mig_minors_file();

// A file under /proc/driver/nvidia/capabilities: "DeviceFileMinor: 1\nDeviceFileMode: 256\n
// DeviceFileModify: 1\n" (the mode in decimal, as the driver prints it).
std::string mig_cap_file(unsigned minor, unsigned mode);

} // namespace nvrunc::mock
