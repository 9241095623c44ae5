// gesso-cli models: the model library's subcommands.
#include "models_command.h"

#include "command.h"

#include <algorithm>
#include <cstdio>
#include <vector>

namespace gesso::cli {
namespace {

std::vector<ModelsSubcommand>& subcommands() {
    static std::vector<ModelsSubcommand> all;
    return all;
}

int runModels(const QStringList& arguments) {
    auto& all = subcommands();
    std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    if (arguments.size() < 2 || arguments[1] == "--help" || arguments[1] == "-h") {
        std::printf("Usage: gesso-cli models <subcommand> [options]\n\nSubcommands:\n");
        for (const auto& s : all)
            std::printf("  %-10s %s\n", s.name.c_str(), s.summary.c_str());
        return arguments.size() < 2 ? kUsage : kOk;
    }
    const std::string name = arguments[1].toStdString();
    for (const auto& s : all) {
        if (s.name != name) continue;
        QStringList rest{"gesso-cli models " + arguments[1]};
        rest << arguments.mid(2);
        return runCommand({s.name, s.summary, s.run}, rest);
    }
    throw UsageError("unknown models subcommand '" + name + "'");
}

const RegisterCommand
    registration({"models", "The model library: list, scan (see 'gesso-cli models --help').", runModels});

} // namespace

RegisterModelsSubcommand::RegisterModelsSubcommand(ModelsSubcommand subcommand) {
    subcommands().push_back(std::move(subcommand));
}

} // namespace gesso::cli
