#pragma once
#include "command.h"

namespace gesso::cli {

// `gesso-cli models <subcommand> ...`: each subcommand (list, scan, download, ...) lives in its own file and
// registers here, as commands do with RegisterCommand.
// arguments[0] of its run is "gesso-cli models <name>".
using ModelsSubcommand = Command;

struct RegisterModelsSubcommand : RegisterCommand {
    explicit RegisterModelsSubcommand(ModelsSubcommand subcommand)
        : RegisterCommand("models", std::move(subcommand)) {}
};

} // namespace gesso::cli
