#include "core/runtime/build_info.h"

#include "core/runtime/data_paths.h"
#include "core/runtime/device.h"
#include "core/runtime/threads.h"
#include "gesso/build_config.h"

#if GESSO_WITH_OPENIMAGEIO
#include <OpenImageIO/imageio.h>
#endif
#include <QtCore/QtGlobal>
#include <torch/version.h>

#include <dlfcn.h>
#include <link.h>

#include <cstring>
#include <filesystem>
#include <sstream>

namespace gesso {

namespace {

// libtorch calls whatever libblas.so.3 the alternatives system selects; report the file it resolved to,
// since the reference BLAS is 30-60x slower than OpenBLAS.
std::string activeBlas() {
    std::string found;
    dl_iterate_phdr(
        [](dl_phdr_info* info, size_t, void* data) {
            auto* out = static_cast<std::string*>(data);
            if (info->dlpi_name && std::strstr(info->dlpi_name, "libblas.so")) {
                std::error_code ec;
                auto real = std::filesystem::canonical(info->dlpi_name, ec);
                *out = ec ? std::string(info->dlpi_name) : real.string();
            }
            return 0;
        },
        &found);
    using ConfigFn = const char* (*)();
    auto openblasConfig = reinterpret_cast<ConfigFn>(dlsym(RTLD_DEFAULT, "openblas_get_config"));
    using CoreFn = const char* (*)();
    auto openblasCore = reinterpret_cast<CoreFn>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
    std::string kind;
    if (found.find("openblas") != std::string::npos)
        kind = "OpenBLAS";
    else if (found.find("/blas/") != std::string::npos)
        kind = "reference BLAS (slow: install libopenblas0-pthread)";
    else if (found.find("mkl") != std::string::npos)
        kind = "MKL";
    std::string text = found.empty() ? std::string("none loaded (libtorch uses its own kernels)") : found;
    if (!kind.empty()) text = kind + " (" + text + ")";
    if (openblasConfig && openblasCore)
        text += ", " + std::string(openblasConfig()) + ", core " + openblasCore();
    return text;
}

} // namespace

BuildInfo currentBuildInfo() {
    BuildInfo info;
    info.gessoVersion = GESSO_VERSION_STRING;
    info.torchVersion = TORCH_VERSION;
    info.qtVersion = qVersion();
#if GESSO_WITH_OPENIMAGEIO
    info.openImageIoVersion = std::to_string(OIIO::openimageio_version() / 10000) + "." +
                              std::to_string(OIIO::openimageio_version() / 100 % 100) + "." +
                              std::to_string(OIIO::openimageio_version() % 100);
#else
    info.openImageIoVersion = "not built in (image files unsupported)";
#endif
    info.blas = activeBlas();
    info.threads = currentThreadCount();
    for (const auto& device : availableDevices())
        info.devices.push_back(device.id + ": " + device.name);
    for (const auto& dir : dataDirectories())
        info.dataDirectories.push_back(dir.string());
    return info;
}

std::string formatBuildInfo(const BuildInfo& info) {
    std::ostringstream out;
    out << "Gesso " << info.gessoVersion << "\n"
        << "libtorch:     " << info.torchVersion << "\n"
        << "Qt:           " << info.qtVersion << "\n"
        << "OpenImageIO:  " << info.openImageIoVersion << "\n"
        << "BLAS:         " << info.blas << "\n"
        << "threads:      " << info.threads << "\n"
        << "devices:\n";
    for (const auto& device : info.devices)
        out << "  " << device << "\n";
    out << "data:         ";
    if (info.dataDirectories.empty()) out << "no share/gesso folder found";
    for (size_t i = 0; i < info.dataDirectories.size(); ++i)
        out << (i ? ", " : "") << info.dataDirectories[i];
    out << "\n";
    return out.str();
}

} // namespace gesso
