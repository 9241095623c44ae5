#pragma once
#include <QtCore/QStringList>

#include <functional>
#include <string>

namespace gesso::cli {

// `gesso-cli models <subcommand> ...`: each subcommand (list, scan, download, ...) lives in its own file and
// registers here, as commands do with RegisterCommand.
struct ModelsSubcommand {
    std::string name;
    std::string summary;
    std::function<int(const QStringList& arguments)> run; // arguments[0] is "gesso-cli models <name>"
};

struct RegisterModelsSubcommand {
    explicit RegisterModelsSubcommand(ModelsSubcommand subcommand);
};

} // namespace gesso::cli
