#pragma once
#include <QtCore/QCommandLineParser>
#include <QtCore/QStringList>

#include <functional>
#include <string>
#include <vector>

namespace gesso::cli {

// Exit codes shared by every command.
enum ExitCode { kOk = 0, kFailure = 1, kUsage = 2 };

// One `gesso-cli <name>` subcommand. Each lives in its own file and registers itself with a static
// `RegisterCommand`, so adding a command touches no shared list.
struct Command {
    std::string name;
    std::string summary;
    std::function<int(const QStringList& arguments)> run; // arguments[0] is "gesso-cli <name>"
};

class CommandRegistry {
public:
    static CommandRegistry& instance();
    void add(Command command);
    const Command* find(const std::string& name) const;
    const std::vector<Command>& commands() const { return m_commands; }

private:
    std::vector<Command> m_commands;
};

struct RegisterCommand {
    explicit RegisterCommand(Command command) { CommandRegistry::instance().add(std::move(command)); }
};

// Options every command accepts: --threads N, --device auto|cpu|cuda[:N].
void addCommonOptions(QCommandLineParser& parser);
// Applies --threads (and GESSO_THREADS); returns false after printing an error for bad values.
bool applyCommonOptions(const QCommandLineParser& parser);

// Parses `arguments`; on --help prints the help and returns kOk through `exitCode`; on a parse error prints
// one line and returns kUsage. Returns true when the command should go on.
bool parseOrExit(QCommandLineParser& parser, const QStringList& arguments, int& exitCode);

// Prints "gesso-cli: error: <message>" on stderr.
void printError(const std::string& message);

} // namespace gesso::cli
