#include "command.h"

#include "core/runtime/cpu_tuning.h"
#include "core/runtime/threads.h"

#include <c10/util/Exception.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <new>

namespace gesso::cli {
namespace {

// The command usage errors point to: the one being parsed ("gesso-cli bench load"), else "gesso-cli".
std::string& helpCommand() {
    static std::string command = "gesso-cli";
    return command;
}

int report(int code, const std::string& message) {
    printError(message);
    return code;
}

std::string formatNumber(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", value);
    return text;
}

std::string rangeText(const std::string& min, const std::string& max, bool unbounded) {
    return unbounded ? "must be at least " + min : "must be from " + min + " to " + max;
}

} // namespace

const char* exitCodeHelp() {
    return "  0    success\n"
           "  1    internal error (please report it)\n"
           "  2    bad usage or bad input: unknown command or option, invalid value, unreadable file or "
           "model\n"
           "  3    out of memory\n"
           "  130  cancelled\n";
}

int runReportingErrors(const std::function<int()>& body) {
    try {
        return body();
    } catch (const UsageError& e) {
        return report(kUsage, std::string(e.what()) + " (see " + helpCommand() + " --help)");
    } catch (const Cancelled&) {
        return report(kCancelled, "cancelled");
    } catch (const Error& e) {
        return report(kUsage, e.what());
    } catch (const std::bad_alloc&) {
        return report(kOutOfMemory, "out of memory");
    } catch (const c10::OutOfMemoryError& e) {
        return report(kOutOfMemory, std::string("out of memory: ") + e.what_without_backtrace());
    } catch (const std::exception& e) {
        return report(kFailure, std::string("internal error: ") + e.what());
    } catch (...) {
        return report(kFailure, "internal error: unknown exception");
    }
}

int runCommand(const Command& command, const QStringList& arguments) {
    helpCommand() = arguments.front().toStdString();
    return command.run(arguments);
}

int runSubcommand(const SubcommandGroup& group, const QStringList& arguments) {
    const std::vector<Command>& entries = CommandRegistry::group(group.command).commands();
    if (arguments.size() < 2 || arguments[1] == "--help" || arguments[1] == "-h") {
        std::printf("Usage: gesso-cli %s <%s> [options]\n\n%s:\n", group.command.c_str(),
                    group.placeholder.c_str(), group.heading.c_str());
        for (const auto& entry : entries)
            std::printf("  %-10s %s\n", entry.name.c_str(), entry.summary.c_str());
        return arguments.size() < 2 ? kUsage : kOk;
    }
    const std::string name = arguments[1].toStdString();
    for (const auto& entry : entries) {
        if (entry.name != name) continue;
        QStringList rest{QString::fromStdString("gesso-cli " + group.command + " ") + arguments[1]};
        rest << arguments.mid(2);
        return runCommand(entry, rest);
    }
    throw UsageError("unknown " + group.unknown + " '" + name + "'");
}

CommandRegistry& CommandRegistry::instance() {
    static CommandRegistry registry;
    return registry;
}

CommandRegistry& CommandRegistry::group(const std::string& command) {
    static std::map<std::string, CommandRegistry> groups;
    return groups[command];
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

void addCommonOptions(QCommandLineParser& parser, const QString& description) {
    parser.setApplicationDescription(description);
    addCommonOptions(parser);
}

void addCommonOptions(QCommandLineParser& parser) {
    parser.addOption({"threads", "CPU threads for torch (default: GESSO_THREADS, else all cores).", "N"});
    parser.addOption(
        {"device", "Compute device: auto, cpu, cuda or cuda:N (default auto).", "DEVICE", "auto"});
    parser.addOption({"blas-threads",
                      "OpenBLAS's own threads (default 1: BLAS runs inside torch's threads; more starts a "
                      "second pool next to torch's, for comparison).",
                      "N", "1"});
}

void applyCommonOptions(const QCommandLineParser& parser) {
    configureThreads(intOption(parser, "threads", 1, 1024, 0)); // 0: GESSO_THREADS, else all cores
    if (parser.isSet("blas-threads")) setBlasThreads(intOption(parser, "blas-threads", 1, 1024, 1));
}

bool parseArguments(QCommandLineParser& parser, const QStringList& arguments) {
    helpCommand() = arguments.front().toStdString();
    parser.addHelpOption();
    if (!parser.parse(arguments)) {
        QString error = parser.errorText(); // "Unknown option 'x'.": the usage hint follows
        if (error.endsWith('.')) error.chop(1);
        throw UsageError(error.toStdString());
    }
    if (!parser.isSet("help")) return true;
    std::fputs(parser.helpText().toLocal8Bit().constData(), stdout);
    return false;
}

UsageError optionError(const QString& name, const QString& value, const std::string& reason) {
    return UsageError("--" + name.toStdString() + ": '" + value.toStdString() + "' " + reason);
}

long long integerOption(const QCommandLineParser& parser, const QString& name, long long min, long long max,
                        long long fallback) {
    const QString text = parser.value(name);
    if (!parser.isSet(name) && text.isEmpty()) return fallback;
    bool ok = false;
    const long long value = text.toLongLong(&ok);
    if (!ok) throw optionError(name, text, "is not a whole number");
    if (value < min || value > max)
        throw optionError(name, text,
                          rangeText(std::to_string(min), std::to_string(max),
                                    max == std::numeric_limits<long long>::max()));
    return value;
}

int intOption(const QCommandLineParser& parser, const QString& name, int min, int max, int fallback) {
    return int(integerOption(parser, name, min, max, fallback));
}

double doubleOption(const QCommandLineParser& parser, const QString& name, double min, double max,
                    double fallback) {
    const QString text = parser.value(name);
    if (!parser.isSet(name) && text.isEmpty()) return fallback;
    bool ok = false;
    const double value = text.toDouble(&ok);
    if (!ok || !std::isfinite(value)) throw optionError(name, text, "is not a number");
    if (value < min || value > max)
        throw optionError(name, text, rangeText(formatNumber(min), formatNumber(max), std::isinf(max)));
    return value;
}

void printError(const std::string& message) {
    std::fprintf(stderr, "gesso-cli: error: %s\n", message.c_str());
}

} // namespace gesso::cli
