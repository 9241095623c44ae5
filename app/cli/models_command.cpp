// gesso-cli models: the model library's subcommands.
#include "models_command.h"

#include "command.h"

namespace gesso::cli {
namespace {

int runModels(const QStringList& arguments) {
    return runSubcommand({"models", "subcommand", "Subcommands", "models subcommand"}, arguments);
}

const RegisterCommand registration(
    {"models", "The model library: list, scan, download (see 'gesso-cli models --help').", runModels});

} // namespace

} // namespace gesso::cli
