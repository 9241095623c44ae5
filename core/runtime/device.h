#pragma once
#include <torch/types.h>

#include <string>
#include <vector>

namespace gesso {

// Devices are chosen at run time, never hard-coded: "auto" picks the first CUDA device when libtorch was
// built with CUDA and one is present, else the CPU.
torch::Device parseDevice(const std::string& spec); // "auto", "cpu", "cuda", "cuda:N"; throws gesso::Error

struct DeviceDescription {
    std::string id;   // "cpu", "cuda:0", ...
    std::string name; // human-readable
};
std::vector<DeviceDescription> availableDevices();

} // namespace gesso
