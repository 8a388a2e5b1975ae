// Rendering of inventories and plans for people (text) and machines (JSON), shared by
// `nvrunc-ctl info` and `nvrunc-ctl explain`.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "nvrunc/config/config.hpp"
#include "nvrunc/discover/inventory.hpp"
#include "nvrunc/runtime/shim.hpp"

namespace nvrunc::ctl {

using OrderedJson = nlohmann::ordered_json;

// `nvml` is optional: without it, the CUDA version and MIG device UUIDs are unknown.
OrderedJson inventory_json(const discover::Inventory& inv, const discover::NvmlFacts* nvml, const config::Config& config);
std::string inventory_text(const discover::Inventory& inv, const discover::NvmlFacts* nvml, const config::Config& config);

OrderedJson node_json(const discover::DeviceNode& n);

OrderedJson plan_json(const runtime::BundlePlan& plan);
std::string plan_text(const runtime::BundlePlan& plan);

// Writes `text` to stdout, or atomically to `output` when it is not empty; returns an exit code.
int emit(const std::string& text, const std::string& output, const std::string& command);

} // namespace nvrunc::ctl
