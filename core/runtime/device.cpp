#include "core/runtime/device.h"

#include "core/runtime/error.h"
#include "gesso/build_config.h"

#include <ATen/Context.h>
#include <torch/cuda.h>

// GESSO_WITH_CUDA (build_config.h): 1 when libtorch was built with CUDA (its CUDA headers and libraries are
// then on the include and link lines).
#if GESSO_WITH_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDACachingAllocator.h>
#endif

#include <thread>

namespace gesso {

torch::Device parseDevice(const std::string& spec) {
    if (spec.empty() || spec == "auto")
        return torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
    if (spec == "cpu") return torch::Device(torch::kCPU);
    if (spec.rfind("cuda", 0) == 0) {
        if (!torch::cuda::is_available())
            throw Error("device '" + spec +
                        "' requested, but this build of libtorch has no usable CUDA device");
        int index = 0;
        if (spec.size() > 4) {
            if (spec[4] != ':') throw Error("unknown device '" + spec + "' (use cpu, cuda or cuda:N)");
            try {
                index = std::stoi(spec.substr(5));
            } catch (...) {
                throw Error("unknown device '" + spec + "' (use cpu, cuda or cuda:N)");
            }
        }
        if (index < 0 || index >= static_cast<int>(torch::cuda::device_count()))
            throw Error("device '" + spec + "' does not exist (" +
                        std::to_string(torch::cuda::device_count()) + " CUDA device(s) present)");
        return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
    }
    throw Error("unknown device '" + spec + "' (use auto, cpu, cuda or cuda:N)");
}

std::vector<DeviceDescription> availableDevices() {
    std::vector<DeviceDescription> devices;
    devices.push_back(
        {"cpu", "CPU, " + std::to_string(std::thread::hardware_concurrency()) + " hardware threads"});
    if (torch::cuda::is_available()) {
        const auto count = static_cast<size_t>(torch::cuda::device_count()); // DeviceIndex in libtorch 2.x
        for (size_t i = 0; i < count; ++i) {
            std::string name = "CUDA device";
#if GESSO_WITH_CUDA
            const auto* props = at::cuda::getDeviceProperties(static_cast<int64_t>(i));
            name = std::string(props->name) + ", " + std::to_string(props->totalGlobalMem >> 20) + " MiB";
#endif
            devices.push_back({"cuda:" + std::to_string(i), name});
        }
    }
    return devices;
}

void setCudaTf32(bool allowed) {
    at::globalContext().setAllowTF32CuDNN(allowed);
    at::globalContext().setAllowTF32CuBLAS(allowed);
}

bool cudaTf32Allowed() {
    return at::globalContext().allowTF32CuDNN() || at::globalContext().allowTF32CuBLAS();
}

namespace {
#if GESSO_WITH_CUDA
// Index 0 of each statistic array is the aggregate over all pool kinds (StatType::AGGREGATE).
auto cudaStats(torch::Device device) {
    return c10::cuda::CUDACachingAllocator::getDeviceStats(device.has_index() ? device.index() : 0);
}
#endif
} // namespace

int64_t peakDeviceMemoryBytes([[maybe_unused]] torch::Device device) {
#if GESSO_WITH_CUDA
    if (device.is_cuda()) return cudaStats(device).allocated_bytes[0].peak;
#endif
    return 0;
}

int64_t currentDeviceMemoryBytes([[maybe_unused]] torch::Device device) {
#if GESSO_WITH_CUDA
    if (device.is_cuda()) return cudaStats(device).allocated_bytes[0].current;
#endif
    return 0;
}

void resetPeakDeviceMemory([[maybe_unused]] torch::Device device) {
#if GESSO_WITH_CUDA
    if (device.is_cuda())
        c10::cuda::CUDACachingAllocator::resetPeakStats(device.has_index() ? device.index() : 0);
#endif
}

} // namespace gesso
