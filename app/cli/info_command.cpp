#include "command.h"

#include "core/runtime/build_info.h"

#include <cstdio>

namespace gesso::cli {
namespace {

int runInfo(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription("Print the build configuration: versions, devices, threads, BLAS.");
    addCommonOptions(parser);
    int exitCode = kOk;
    if (!parseOrExit(parser, arguments, exitCode)) return exitCode;
    if (!applyCommonOptions(parser)) return kUsage;
    std::fputs(formatBuildInfo(currentBuildInfo()).c_str(), stdout);
    return kOk;
}

const RegisterCommand registration({"info", "Show the build configuration (versions, devices, threads).", runInfo});

} // namespace
} // namespace gesso::cli
