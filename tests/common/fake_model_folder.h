#pragma once
// A temporary model folder holding one fake checkpoint (fake.safetensors), named by GESSO_MODEL_DIRS while
// it exists, so a window's model picker has something to choose after reloadModels().
#include "tests/common/fake_checkpoint.h"

#include <QtCore/QTemporaryDir>

namespace gesso::test {

struct FakeModelFolder {
    QTemporaryDir dir;
    FakeModelFolder() {
        writeFakeCheckpoint((dir.path() + "/fake.safetensors").toStdString());
        qputenv("GESSO_MODEL_DIRS", dir.path().toUtf8());
    }
};

} // namespace gesso::test
