#include "command.h"

#include "core/runtime/threads.h"

#include <algorithm>
#include <cstdio>

namespace gesso::cli {

CommandRegistry& CommandRegistry::instance() {
    static CommandRegistry registry;
    return registry;
}

void CommandRegistry::add(Command command) {
    m_commands.push_back(std::move(command));
    std::sort(m_commands.begin(), m_commands.end(),
              [](const Command& a, const Command& b) { return a.name < b.name; });
}

const Command* CommandRegistry::find(const std::string& name) const {
    for (const auto& command : m_commands)
        if (command.name == name) return &command;
    return nullptr;
}

void addCommonOptions(QCommandLineParser& parser) {
    parser.addOption({"threads", "CPU threads for torch (default: GESSO_THREADS, else all cores).", "N"});
    parser.addOption(
        {"device", "Compute device: auto, cpu, cuda or cuda:N (default auto).", "DEVICE", "auto"});
}

bool applyCommonOptions(const QCommandLineParser& parser) {
    int requested = 0;
    if (parser.isSet("threads")) {
        bool ok = false;
        requested = parser.value("threads").toInt(&ok);
        if (!ok || requested <= 0 || requested > 1024) {
            printError("--threads needs a positive number, got '" + parser.value("threads").toStdString() +
                       "'");
            return false;
        }
    }
    configureThreads(requested);
    return true;
}

bool parseOrExit(QCommandLineParser& parser, const QStringList& arguments, int& exitCode) {
    parser.addHelpOption();
    if (!parser.parse(arguments)) {
        printError(parser.errorText().toStdString());
        exitCode = kUsage;
        return false;
    }
    if (parser.isSet("help")) {
        std::fputs(parser.helpText().toLocal8Bit().constData(), stdout);
        exitCode = kOk;
        return false;
    }
    return true;
}

void printError(const std::string& message) {
    std::fprintf(stderr, "gesso-cli: error: %s\n", message.c_str());
}

} // namespace gesso::cli
