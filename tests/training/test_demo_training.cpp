// The demo model's training (issue #14): its tokenizer, a tiny configuration that must learn in a few dozen
// steps, and the folder it writes loading through the model loader like any diffusers model.
#include "core/demo/scene_caption.h"
#include "core/demo/scene_sampler.h"
#include "core/model/model_loader.h"
#include "core/text/clip_tokenizer.h"
#include "core/training/demo_vocabulary.h"
#include "core/training/train_demo.h"

#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <random>

using namespace gesso;

class TestDemoTraining : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void tokenizerMakesEveryCaptionWordOneToken() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const auto size = training::writeDemoTokenizer(dir.path().toStdString());
        QVERIFY2(size < 1024, std::to_string(size).c_str());
        const auto tokenizer = text::ClipTokenizer::load(dir.path().toStdString());
        QCOMPARE(tokenizer.vocabularySize(), size);
        QCOMPARE(tokenizer.eosId(), size - 1);
        for (const auto& word : training::demoCaptionWords()) {
            const auto ids = tokenizer.encode(word);
            QVERIFY2(ids.size() == 1, word.c_str());
            QVERIFY2(ids[0] < tokenizer.bosId(), word.c_str());
        }
        std::mt19937_64 rng(7);
        for (int i = 0; i < 50; ++i) {
            const auto caption = demo::captionOf(demo::sampleScene(rng));
            const auto window = tokenizer.window(caption);
            QCOMPARE(window.front(), tokenizer.bosId());
            // One token per word and comma, then EOS, then EOS padding: no unknown pieces.
            const auto ids = tokenizer.encode(caption);
            const auto words =
                QString::fromStdString(caption).replace(",", " ,").split(' ', Qt::SkipEmptyParts);
            QCOMPARE(ids.size(), size_t(words.size()));
            QCOMPARE(window[ids.size() + 1], tokenizer.eosId());
        }
    }

    void tinyTrainingLowersTheLossAndLoads() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        training::TrainDemoOptions o;
        o.out = dir.path().toStdString();
        o.seed = 3;
        o.threads = 1;
        o.architecture = training::DemoArchitecture::tiny();
        o.imageSize = 64;
        o.vaeSteps = 50;
        o.vaeBatch = 2;
        o.vaeLearningRate = 3e-3;
        o.diffusionSteps = 50;
        o.diffusionBatch = 8;
        o.diffusionScenes = 64;
        o.diffusionLearningRate = 3e-3;
        o.logEvery = 10;
        const auto report = training::trainDemoModel(o);
        QCOMPARE(report.vae.stepsRun, 50);
        QCOMPARE(report.diffusion.stepsRun, 50);
        qInfo("vae loss %.4f -> %.4f, unet loss %.4f -> %.4f", report.vae.firstLoss, report.vae.lastLoss,
              report.diffusion.firstLoss, report.diffusion.lastLoss);
        // Means over the first and the last 10 steps.
        QVERIFY(report.vae.lastLoss < 0.6 * report.vae.firstLoss);
        QVERIFY(report.diffusion.lastLoss < 0.7 * report.diffusion.firstLoss);

        const auto checkpoint = model::loadCheckpoint(o.out);
        QCOMPARE(checkpoint.unetConfig.blockOutChannels, o.architecture.unet.blockOutChannels);
        QCOMPARE(checkpoint.vaeConfig.blockOutChannels, o.architecture.vae.blockOutChannels);
        QCOMPARE(checkpoint.vaeConfig.scalingFactor, report.scalingFactor);
        QCOMPARE(checkpoint.textEncoders.size(), size_t(1));
        QCOMPARE(int64_t(checkpoint.textEncoders[0].config.vocabSize), report.vocabularySize);
        QVERIFY(checkpoint.tokenizerDir.has_value());
        QVERIFY(checkpoint.warnings.empty());
    }
};

QTEST_GUILESS_MAIN(TestDemoTraining)
#include "test_demo_training.moc"
