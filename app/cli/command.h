#pragma once
#include "core/runtime/error.h"

#include <QtCore/QCommandLineParser>
#include <QtCore/QStringList>

#include <functional>
#include <limits>
#include <string>
#include <vector>

namespace gesso::cli {

// Exit codes shared by every command; runReportingErrors is the one place that maps errors to them.
enum ExitCode {
    kOk = 0,
    kFailure = 1,     // internal error (a bug) or a failed run
    kUsage = 2,       // bad usage or bad input: options, values, files, models (UsageError, gesso::Error)
    kOutOfMemory = 3, // std::bad_alloc, c10::OutOfMemoryError
    kCancelled = 130, // gesso::Cancelled (the shell's code for an interrupted command)
};

// Lines for `gesso-cli --help`, one per exit code.
const char* exitCodeHelp();

// Wrong use of the command line: an unknown option, a missing or malformed value. Reported with a hint to
// the command's --help.
struct UsageError : Error {
    using Error::Error;
};

// One `gesso-cli <name>` subcommand. Each lives in its own file and registers itself with a static
// `RegisterCommand`, so adding a command touches no shared list. `run` returns an exit code (kOk) or throws.
struct Command {
    std::string name;
    std::string summary;
    std::function<int(const QStringList& arguments)> run; // arguments[0] is "gesso-cli <name>"
};

class CommandRegistry {
public:
    static CommandRegistry& instance(); // gesso-cli's commands
    // The entries of a command made of subcommands ("bench", "models"), which register from their own files.
    static CommandRegistry& group(const std::string& command);
    void add(Command command);
    const Command* find(const std::string& name) const;
    const std::vector<Command>& commands() const { return m_commands; }

private:
    std::vector<Command> m_commands;
};

struct RegisterCommand {
    explicit RegisterCommand(Command command) { CommandRegistry::instance().add(std::move(command)); }
    RegisterCommand(const std::string& group, Command command) {
        CommandRegistry::group(group).add(std::move(command));
    }
};

// Runs `body`; what it throws is printed as one error line on stderr and turned into its exit code.
int runReportingErrors(const std::function<int()>& body);
// Runs `command`; arguments[0] ("gesso-cli <name>") is the command usage hints point to.
int runCommand(const Command& command, const QStringList& arguments);

// A command made of named entries registered from their own files (`gesso-cli bench unet`, `gesso-cli models
// list`): how it names them in its help and errors.
struct SubcommandGroup {
    std::string command;     // "bench"
    std::string placeholder; // "benchmark", in "Usage: gesso-cli bench <benchmark> [options]"
    std::string heading;     // "Benchmarks", above the listing
    std::string unknown;     // "benchmark", in "unknown benchmark 'x'"
};
// Runs the entry of CommandRegistry::group(group.command) called arguments[1] with arguments
// "gesso-cli <command> <name>" + the rest; no name or --help lists the entries. An unknown name is a
// UsageError.
int runSubcommand(const SubcommandGroup& group, const QStringList& arguments);

// Options every command accepts: --threads N, --device auto|cpu|cuda[:N]; with `description`, the
// command's --help text too.
void addCommonOptions(QCommandLineParser& parser);
void addCommonOptions(QCommandLineParser& parser, const QString& description);
// Applies --threads (and GESSO_THREADS); a bad value is a UsageError.
void applyCommonOptions(const QCommandLineParser& parser);

// Parses `arguments` (arguments[0] names the command for usage hints); a parse error is a UsageError.
// Returns false when --help was asked for: the help is printed and the command returns kOk.
bool parseArguments(QCommandLineParser& parser, const QStringList& arguments);

// Numeric options, validated whole: "12x", "abc", "nan" and values outside [min, max] are UsageErrors that
// name the option and the value ("--seed: 'abc' is not a whole number"). When the option is not given, its
// default value (QCommandLineOption's) is parsed likewise, or `fallback` returned when it has none.
constexpr double kUnbounded = std::numeric_limits<double>::infinity();
long long integerOption(const QCommandLineParser& parser, const QString& name, long long min, long long max,
                        long long fallback);
int intOption(const QCommandLineParser& parser, const QString& name, int min, int max, int fallback);
double doubleOption(const QCommandLineParser& parser, const QString& name, double min, double max,
                    double fallback);
// "--NAME: 'VALUE' REASON", for checks beyond a range (e.g. "is not a multiple of 8").
UsageError optionError(const QString& name, const QString& value, const std::string& reason);

// Prints "gesso-cli: error: <message>" on stderr.
void printError(const std::string& message);

} // namespace gesso::cli
