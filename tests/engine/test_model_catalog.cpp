#include "core/engine/model_catalog.h"

#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <fstream>

namespace fs = std::filesystem;

class TestModelCatalog : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void findsFilesAndDiffusersFolders() {
        QTemporaryDir dir;
        fs::path root = dir.path().toStdString();
        fs::create_directories(root / "sd15" / "unet");
        fs::create_directories(root / "loose" / "deeper");
        std::ofstream(root / "sd15" / "model_index.json") << "{}";
        std::ofstream(root / "sd15" / "unet" / "diffusion_pytorch_model.safetensors") << "x";
        std::ofstream(root / "loose" / "a.safetensors") << "x";
        std::ofstream(root / "loose" / "deeper" / "b.CKPT") << "x";
        std::ofstream(root / "loose" / "notes.txt") << "x";
        auto models = gesso::engine::findModels({root, root / "loose", root / "missing"});
        QCOMPARE(models.size(), size_t(3)); // "loose" reached twice, listed once
        QCOMPARE(models[0].name, std::string("loose/a.safetensors"));
        QCOMPARE(models[1].name, std::string("loose/deeper/b.CKPT"));
        QCOMPARE(models[2].name, std::string("sd15"));
        QVERIFY(models[2].diffusersFolder);
        QVERIFY(!models[0].diffusersFolder);
    }
};

QTEST_GUILESS_MAIN(TestModelCatalog)
#include "test_model_catalog.moc"
