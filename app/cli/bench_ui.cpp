// `gesso-cli bench ui`: how long the UI thread's event loop can stall while the engine worker denoises.
// A 5 ms timer runs on the main thread (the thread the GUI would use) while the Engine's worker runs
// full-size SD1.5 UNet steps with random weights; the longest gap between timer ticks is the longest time
// the UI could not react. The worker runs as the app runs it: lower priority, cores-1 torch threads.
// --live: live mode instead of one job. A simulated stroke every 100 ms (for --seconds) changes a 1024x768
// painting inside a 512x512 region; each builds the live request on this thread as the window does
// (composite, resize) and hands it to a LiveScheduler, which cancels the running job within a step; the run
// ends with the last change's full job.
#include "bench_command.h"
#include "command.h"

#include "core/document/generation_input.h"
#include "core/engine/engine.h"
#include "core/engine/live_scheduler.h"
#include "core/runtime/error.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QElapsedTimer>
#include <QtCore/QThread>
#include <QtCore/QTimer>
#include <torch/torch.h>

#include "core/model/unet.h"
#include "core/model/weights.h"

#include <algorithm>
#include <cstdio>
#include <vector>

namespace gesso::cli {
namespace {

struct GapStats {
    double longestMs = 0.0;
    double p99Ms = 0.0;
    std::vector<std::pair<double, double>>
        worst; // the 5 longest gaps: (ms, seconds after the start at its end)
    size_t ticks = 0;
};

// Runs the event loop until `done` returns true, ticking a 5 ms precise timer; returns the tick gaps.
GapStats measureGaps(const std::function<bool()>& done, int maxSeconds) {
    std::vector<std::pair<double, double>> gaps; // (ms, seconds at its end)
    QElapsedTimer clock;
    clock.start();
    qint64 last = clock.nsecsElapsed();
    QTimer timer;
    timer.setTimerType(Qt::PreciseTimer);
    timer.setInterval(5);
    QEventLoop loop;
    QObject::connect(&timer, &QTimer::timeout, [&] {
        qint64 now = clock.nsecsElapsed();
        gaps.emplace_back((now - last) / 1e6, now / 1e9);
        last = now;
        if (done() || clock.elapsed() > maxSeconds * 1000) loop.quit();
    });
    timer.start();
    loop.exec();
    GapStats stats;
    stats.ticks = gaps.size();
    if (gaps.empty()) return stats;
    std::sort(gaps.begin(), gaps.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    stats.longestMs = gaps.front().first;
    stats.p99Ms = gaps[std::min(gaps.size() - 1, gaps.size() / 100)].first;
    stats.worst.assign(gaps.begin(), gaps.begin() + long(std::min<size_t>(5, gaps.size())));
    return stats;
}

engine::BackendSet unetBackend(int latentSize, int batch, std::string& description) {
    engine::BackendSet set;
    description = "SD1.5 UNet (random weights)";
    auto unet = std::make_shared<model::Unet>(nullptr);
    set.generate = [unet, latentSize, batch](const generation::GenerationRequest& request,
                                             const generation::ProgressCallback& progress,
                                             const std::atomic<bool>& cancel) {
        c10::InferenceMode guard;
        if (!*unet) {
            model::UnetConfig config;
            config.blockOutChannels = {320, 640, 1280, 1280};
            config.crossAttention = {true, true, true, false};
            config.heads = {8, 8, 8, 8};
            config.transformerDepth = {1, 1, 1, 1};
            config.crossAttentionDim = 768;
            *unet = model::Unet(config);
            model::randomizeWeights(**unet, 1);
        }
        torch::manual_seed(0);
        auto latent = torch::randn({batch, 4, latentSize, latentSize});
        auto context = torch::randn({batch, 77, 768});
        QElapsedTimer clock;
        clock.start();
        for (int step = 1; step <= request.steps; ++step) {
            if (cancel) throw Cancelled();
            auto t = torch::full({1}, 999.0 - step * 50.0);
            latent = latent - 0.01 * (*unet)->forward(latent, t, context);
            generation::Progress p;
            p.step = step;
            p.total = request.steps;
            p.elapsedSeconds = clock.elapsed() / 1000.0;
            p.etaSeconds = p.elapsedSeconds / step * (request.steps - step);
            p.preview = ImageRgba8::filled(latentSize, latentSize, 128, 128, 128,
                                           255); // what a linear preview costs to ship
            progress(p);
        }
        return generation::GenerationResult{};
    };
    return set;
}

// Live mode: strokes every 100 ms for `seconds`, each building its request on this thread, then the last
// change's job to its end. Prints what building the requests cost this thread.
GapStats measureLive(engine::Engine& engine, int steps, int size, int seconds, bool& finished) {
    engine::LiveScheduler live(engine);
    document::Document painting(1024, 768);
    painting.setRegion({256, 128, 512, 512});
    generation::GenerationSettings settings;
    settings.modelPath = "random-weights"; // the benchmark's backend builds its own UNet
    settings.steps = steps;
    int strokes = 0;
    double longestBuildMs = 0;
    QElapsedTimer clock;
    clock.start();
    QTimer strokeTimer;
    strokeTimer.setInterval(100);
    QObject::connect(&strokeTimer, &QTimer::timeout, [&] {
        if (clock.elapsed() > seconds * 1000) {
            strokeTimer.stop();
            return;
        }
        // A dab-sized change inside the region, then the request the window would build for it.
        document::Layer* layer = painting.layer(painting.layers().front().id);
        const int x = 300 + (strokes * 37) % 400, y = 200 + (strokes * 23) % 300;
        layer->pixels.pixel(x, y)[0] = static_cast<uint8_t>(strokes);
        QElapsedTimer build;
        build.start();
        auto request = document::buildLiveRequest(painting, settings, 1.0, 1, size);
        longestBuildMs = std::max(longestBuildMs, build.nsecsElapsed() / 1e6);
        live.change(std::move(request));
        ++strokes;
    });
    QObject::connect(&live, &engine::LiveScheduler::result,
                     [&](quint64 change, const generation::GenerationResult&) {
                         if (!strokeTimer.isActive() && change == live.latestChange()) finished = true;
                     });
    strokeTimer.start();
    GapStats stats = measureGaps([&] { return finished; }, 3600);
    std::printf("live: %d strokes in %d s, each building a %dx%d img2img request on this thread (longest "
                "%.1f ms)\n",
                strokes, seconds, size, size, longestBuildMs);
    return stats;
}

int runUiBench(const QStringList& arguments) {
    QCommandLineParser parser;
    addCommonOptions(parser,
                     "Longest UI event-loop stall while the engine worker runs full-size SD1.5 UNet steps.");
    QCommandLineOption stepsOption("steps", "UNet steps to run (default 3).", "N", "3");
    QCommandLineOption sizeOption("size", "Image size in pixels; the latent is size/8 (default 512).",
                                  "PIXELS", "512");
    QCommandLineOption batchOption("batch", "UNet batch (2 = one image with classifier-free guidance).", "N",
                                   "2");
    QCommandLineOption workerOption("worker-threads", "torch threads for the worker (default: cores - 1).",
                                    "N", "0");
    QCommandLineOption liveOption("live",
                                  "Live mode: a simulated stroke every 100 ms re-renders the region.");
    QCommandLineOption secondsOption("seconds", "With --live: how long strokes keep coming (default 5).", "S",
                                     "5");
    parser.addOptions({stepsOption, sizeOption, batchOption, workerOption, liveOption, secondsOption});
    if (!parseArguments(parser, arguments)) return kOk;
    applyCommonOptions(parser);
    const int steps = intOption(parser, "steps", 1, 1000, 3), size = intOption(parser, "size", 64, 8192, 512);
    if (size % 8) throw optionError("size", parser.value("size"), "is not a multiple of 8");
    const int batch = intOption(parser, "batch", 1, 64, 2);
    int workerThreads = intOption(parser, "worker-threads", 0, 1024, 0);
    if (workerThreads == 0) workerThreads = std::max(1, QThread::idealThreadCount() - 1);

    std::string description;
    engine::BackendSet backend = unetBackend(size / 8, batch, description);
    if (!backend.generate)
        throw std::runtime_error("this build has no UNet (core/model/unet.cpp); nothing to measure");
    GapStats idle = measureGaps([] { return false; }, 2);
    std::printf("idle event loop (2 s): longest gap %.1f ms, p99 %.1f ms, %zu ticks\n", idle.longestMs,
                idle.p99Ms, idle.ticks);

    engine::Engine engine(backend);
    engine.setWorkerThreads(workerThreads);
    bool finished = false;
    QString failure;
    std::vector<double> stepTimes;
    double lastElapsed = 0.0;
    QObject::connect(&engine, &engine::Engine::progress, [&](quint64, const generation::Progress& p) {
        stepTimes.push_back(p.elapsedSeconds - lastElapsed);
        lastElapsed = p.elapsedSeconds;
        std::printf("  step %d/%d  %.2f s\n", p.step, p.total, stepTimes.back());
        std::fflush(stdout);
    });
    const bool liveMode = parser.isSet(liveOption);
    // Live mode's run ends with the last change's result (measureLive), not with the first job's.
    if (!liveMode) QObject::connect(&engine, &engine::Engine::finished, [&] { finished = true; });
    QObject::connect(&engine, &engine::Engine::failed, [&](quint64, const QString& message, bool cancelled) {
        if (cancelled) return; // live mode: a newer stroke stopped it
        failure = message;
        finished = true;
    });
    GapStats busy;
    if (liveMode) {
        busy = measureLive(engine, steps, size, intOption(parser, "seconds", 1, 3600, 5), finished);
    } else {
        generation::GenerationRequest request;
        request.steps = steps;
        engine.submit(request);
        busy = measureGaps([&] { return finished; }, 3600);
    }
    if (!failure.isEmpty()) throw std::runtime_error(failure.toStdString()); // the benchmark itself failed
    // The first step includes building the network and filling it with random weights.
    std::printf("generating: %d steps of %s, latent %dx%d, batch %d, worker: %d torch threads at nice 10, "
                "main thread: %d cores total\n",
                steps, description.c_str(), size / 8, size / 8, batch, workerThreads,
                QThread::idealThreadCount());
    std::printf("event loop (5 ms timer) during generation: longest gap %.1f ms, p99 %.1f ms, %zu ticks\n",
                busy.longestMs, busy.p99Ms, busy.ticks);
    std::printf("the longest gaps (ms at seconds after the start):");
    for (const auto& [ms, at] : busy.worst)
        std::printf(" %.1f at %.2f;", ms, at);
    std::printf("\n");
    std::printf("longest UI stall: %.1f ms (target < 50 ms: %s)\n", busy.longestMs,
                busy.longestMs < 50.0 ? "met" : "NOT met");
    return kOk;
}

const RegisterBenchmark
    registration({"ui", "Longest UI event-loop stall while the worker runs SD1.5 UNet steps.", runUiBench});

} // namespace
} // namespace gesso::cli
