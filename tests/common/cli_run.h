#pragma once
// Runs a program (the built gesso-cli: GESSO_CLI_PATH, defined by the test's CMake) and collects its exit
// code and output, for the tests that check the command line as a user meets it.
#include <QtCore/QProcess>
#include <QtCore/QProcessEnvironment>
#include <QtCore/QStringList>

namespace gesso::test {

struct CliRun {
    int exitCode = -1; // -1: it did not finish within the timeout (and was killed)
    QString out, err;
};

inline CliRun runProgram(const QString& program, const QStringList& args,
                         const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment(),
                         int timeoutMs = 300000) {
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(program, args);
    const bool finished = p.waitForFinished(timeoutMs);
    if (!finished) {
        p.kill();
        p.waitForFinished();
    }
    return {finished ? p.exitCode() : -1, QString::fromLocal8Bit(p.readAllStandardOutput()),
            QString::fromLocal8Bit(p.readAllStandardError())};
}

#ifdef GESSO_CLI_PATH
inline CliRun runCli(const QStringList& args,
                     const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment()) {
    return runProgram(QStringLiteral(GESSO_CLI_PATH), args, env);
}
#endif

} // namespace gesso::test
