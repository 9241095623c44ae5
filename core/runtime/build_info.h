#pragma once
#include <string>
#include <vector>

namespace gesso {

// What this binary was built with and runs on, for `gesso-cli info` and bug reports.
struct BuildInfo {
    std::string gessoVersion;
    std::string torchVersion;
    std::string qtVersion;          // runtime Qt version
    std::string openImageIoVersion; // runtime OpenImageIO version
    std::string blas;               // the BLAS library libtorch resolved to (path), and OpenBLAS's config
    int threads = 0;                // torch intra-op threads now in effect
    std::vector<std::string> devices;
    std::vector<std::string> dataDirectories; // existing share/gesso folders, in search order
};

BuildInfo currentBuildInfo();
std::string formatBuildInfo(const BuildInfo& info);

} // namespace gesso
