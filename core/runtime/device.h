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

// CUDA fp32 precision: whether cuDNN convolutions and cuBLAS matmuls may use TF32 (10-bit mantissa) for
// float32 tensors. libtorch 2.x allows it for cuDNN by default; parity checks need it off. Process-wide.
// No effect on the CPU.
void setCudaTf32(bool allowed);
bool cudaTf32Allowed(); // true when either cuDNN or cuBLAS may use TF32

// Bytes handed out by libtorch's CUDA caching allocator on `device`: the most at any one time since the
// process started or resetPeakDeviceMemory, and now. 0 on the CPU or in builds without CUDA.
int64_t peakDeviceMemoryBytes(torch::Device device);
int64_t currentDeviceMemoryBytes(torch::Device device);
void resetPeakDeviceMemory(torch::Device device);

} // namespace gesso
