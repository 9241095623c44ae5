#pragma once
// Shared helpers for the data-driven parity tests: where the reference data lives, how to find its cases,
// and how to report a comparison. Cases are always discovered by scanning, never named.
#include "core/io/safetensors.h"

#include <QtTest/QtTest>
#include <nlohmann/json.hpp>
#include <torch/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace gesso::test {

// GESSO_REFERENCE_DIR if set, else <source>/../shared/reference. nullopt when the folder does not exist.
std::optional<std::filesystem::path> referenceDir();
std::string missingReferenceMessage();
bool runningInCi(); // CI=true

// The device the parity tests build their networks on: GESSO_TEST_DEVICE (cpu, cuda, cuda:N; default cpu),
// parsed like --device. On CUDA, TF32 is switched off so that fp32 means fp32 and the README tolerances
// apply. Prints the choice once. Throws gesso::Error for an unknown or absent device.
torch::Device testDevice();

// A golden case: <name>.json + <name>.safetensors side by side.
struct GoldenCase {
    std::filesystem::path json;
    std::string relative; // path of the case (without extension) relative to the reference directory
    nlohmann::json meta;
    io::SafetensorsFile tensors;
    torch::Tensor
    tensor(const std::string& name) const; // as float32/int64 contiguous copy; QFAIL-style throw
    bool has(const std::string& name) const { return tensors.contains(name); }
};

// Every case under `reference/sub` (recursively) whose stem matches `stemPrefix` (empty = all).
std::vector<std::filesystem::path> findCaseFiles(const std::filesystem::path& reference,
                                                 const std::string& sub, const std::string& stemPrefix = {});
GoldenCase loadCase(const std::filesystem::path& reference, const std::filesystem::path& json);

double maxAbsDiff(const torch::Tensor& a, const torch::Tensor& b);
// Prints "<relative>: <what> max|diff| = <err> (limit <limit>)" and returns err <= limit.
bool reportCase(const std::string& relative, const std::string& what, double error, double limit);

// Tolerance rule of shared/reference/README.md for components: |diff| <= 1e-4 absolute or <= 1e-4 * max|ref|.
double componentTolerance(const torch::Tensor& reference);

} // namespace gesso::test

// In a Qt Test function: binds `var` to the reference directory, or skips with the reason (fails under
// CI=true, where the data must be present).
#define GESSO_REQUIRE_REFERENCE(var)                                                                         \
    const auto var##Found = gesso::test::referenceDir();                                                     \
    if (!var##Found) {                                                                                       \
        if (gesso::test::runningInCi()) QFAIL(gesso::test::missingReferenceMessage().c_str());               \
        QSKIP(gesso::test::missingReferenceMessage().c_str());                                               \
    }                                                                                                        \
    const std::filesystem::path var = *var##Found
