#pragma once
// Where the reference data is, for tests that do not link torch (tests/common/reference.h is the torch
// side): GESSO_REFERENCE_DIR if set, else <source>/../shared/reference.
#include "gesso/build_config.h"

#include <QtCore/QByteArray>
#include <QtTest/QTest>

#include <cstdlib>
#include <filesystem>

namespace gesso::test {

inline std::filesystem::path referenceLocation() {
    const char* env = std::getenv("GESSO_REFERENCE_DIR");
    return env && *env ? std::filesystem::path(env)
                       : std::filesystem::path(GESSO_SOURCE_DIR) / ".." / "shared" / "reference";
}

} // namespace gesso::test

// In a Qt Test function: skips (fails under CI=true) when `reference`/`relative` does not exist.
#define GESSO_REQUIRE_REFERENCE_FILE(reference, relative)                                                    \
    if (!std::filesystem::exists((reference) / (relative))) {                                                \
        const QByteArray why = "reference data not found at " +                                              \
                               QByteArray::fromStdString((reference).string()) +                             \
                               " (set GESSO_REFERENCE_DIR)";                                                 \
        if (qgetenv("CI") == "true") QFAIL(why.constData());                                                 \
        QSKIP(why.constData());                                                                              \
    }
