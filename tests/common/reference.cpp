#include "tests/common/reference.h"

#include "core/runtime/device.h"
#include "core/runtime/error.h"
#include "gesso/build_config.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace gesso::test {

namespace {
std::filesystem::path configuredReferenceDir() {
    if (const char* env = std::getenv("GESSO_REFERENCE_DIR"); env && *env) return env;
    return std::filesystem::path(GESSO_SOURCE_DIR) / ".." / "shared" / "reference";
}
} // namespace

std::optional<std::filesystem::path> referenceDir() {
    std::error_code ec;
    auto dir = std::filesystem::weakly_canonical(configuredReferenceDir(), ec);
    if (ec || !std::filesystem::is_directory(dir)) return std::nullopt;
    return dir;
}

std::string missingReferenceMessage() {
    return "parity data not run: reference directory '" + configuredReferenceDir().string() +
           "' does not exist (set GESSO_REFERENCE_DIR to the folder holding shared/reference)";
}

bool runningInCi() {
    const char* ci = std::getenv("CI");
    return ci && std::string(ci) == "true";
}

torch::Device testDevice() {
    static const torch::Device device = [] {
        const char* env = std::getenv("GESSO_TEST_DEVICE");
        const auto chosen = parseDevice(env && *env ? env : "cpu");
        if (chosen.is_cuda()) setCudaTf32(false);
        std::string name = chosen.str();
        for (const auto& d : availableDevices())
            if (d.id == chosen.str()) name += " (" + d.name + ")";
        std::printf("test device: %s%s\n", name.c_str(), chosen.is_cuda() ? ", fp32 with TF32 off" : "");
        std::fflush(stdout);
        return chosen;
    }();
    return device;
}

std::vector<std::filesystem::path> findCaseFiles(const std::filesystem::path& reference,
                                                 const std::string& sub, const std::string& stemPrefix) {
    std::vector<std::filesystem::path> found;
    const auto root = reference / sub;
    if (!std::filesystem::is_directory(root)) return found;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
        if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
        auto tensors = entry.path();
        tensors.replace_extension(".safetensors");
        if (!std::filesystem::exists(tensors)) continue;
        if (!stemPrefix.empty() && entry.path().stem().string().rfind(stemPrefix, 0) != 0) continue;
        found.push_back(entry.path());
    }
    std::sort(found.begin(), found.end());
    return found;
}

GoldenCase loadCase(const std::filesystem::path& reference, const std::filesystem::path& json) {
    std::ifstream in(json);
    auto tensors = json;
    tensors.replace_extension(".safetensors");
    auto relative = std::filesystem::relative(json, reference);
    relative.replace_extension();
    return GoldenCase{json, relative.string(), nlohmann::json::parse(in), io::SafetensorsFile::open(tensors)};
}

torch::Tensor GoldenCase::tensor(const std::string& name) const {
    torch::Tensor t = tensors.tensor(name);
    if (t.is_floating_point()) t = t.to(torch::kFloat32);
    return t.contiguous().clone();
}

double maxAbsDiff(const torch::Tensor& a, const torch::Tensor& b) {
    if (a.sizes() != b.sizes()) return std::numeric_limits<double>::infinity();
    if (a.numel() == 0) return 0.0;
    auto diff = (a.to(torch::kFloat64).cpu() - b.to(torch::kFloat64).cpu()).abs();
    if (diff.isnan().any().item<bool>()) return std::numeric_limits<double>::infinity();
    return diff.max().item<double>();
}

bool reportCase(const std::string& relative, const std::string& what, double error, double limit) {
    std::printf("%s: %s max|diff| = %.3g (limit %.3g)%s\n", relative.c_str(), what.c_str(), error, limit,
                error <= limit ? "" : "  FAIL");
    std::fflush(stdout);
    return error <= limit;
}

double componentTolerance(const torch::Tensor& reference) {
    double maxRef = reference.numel() ? reference.abs().max().item<double>() : 0.0;
    return std::max(1e-4, 1e-4 * maxRef);
}

} // namespace gesso::test
