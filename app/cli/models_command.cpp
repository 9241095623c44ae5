// gesso-cli models: the model library's subcommands.
#include "models_command.h"

#include "command.h"

#include <vector>

namespace gesso::cli {
namespace {

std::vector<ModelsSubcommand>& subcommands() {
    static std::vector<ModelsSubcommand> all;
    return all;
}

int runModels(const QStringList& arguments) {
    return runSubcommand({"models", "subcommand", "Subcommands", "models subcommand"}, subcommands(),
                         arguments);
}

const RegisterCommand
    registration({"models", "The model library: list, scan (see 'gesso-cli models --help').", runModels});

} // namespace

RegisterModelsSubcommand::RegisterModelsSubcommand(ModelsSubcommand subcommand) {
    subcommands().push_back(std::move(subcommand));
}

} // namespace gesso::cli
