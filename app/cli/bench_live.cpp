// `gesso-cli bench live`: live mode's latency. A simulated stroke is a LiveScheduler::change() with the
// img2img request of a square region; the benchmark times, through the real Engine, LiveScheduler and
// pipeline::Generator, the stroke -> first preview and stroke -> final image, next to one UNet evaluation of
// the same model measured in the same run, and prints the overhead beyond the network work (text encoding,
// VAE encode, UNet steps, VAE decode as the job itself timed them). Default: the tiny reference model at
// 512x512; --random-weights: full-size SD1.5 with random weights.
#include "bench_command.h"
#include "bench_support.h"
#include "command.h"
#include "random_sd15.h"

#include "core/engine/live_scheduler.h"
#include "core/pipeline/generator.h"
#include "core/pipeline/model_bundle.h"
#include "core/runtime/device.h"
#include "core/runtime/error.h"
#include "core/sampling/scheduler_config.h"

#include <QtCore/QEventLoop>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

namespace gesso::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

fs::path referenceDir() {
    const char* env = std::getenv("GESSO_REFERENCE_DIR");
    return env && *env ? fs::path(env) : fs::path("../shared/reference");
}

struct Stroke {
    double firstPreview = 0, final = 0;
    generation::GenerationResult result;
    double network() const {
        return result.textSeconds + result.vaeEncodeSeconds + result.unetSeconds + result.vaeDecodeSeconds;
    }
};

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

// The request's steps such that img2img at `strength` runs exactly `steps` denoising steps.
int requestSteps(int steps, double strength) {
    int total = steps;
    while (static_cast<int>(total * strength) < steps)
        ++total;
    return total;
}

// One stroke: change() at t0, the first preview and the result of that change.
Stroke runStroke(engine::LiveScheduler& live, const generation::GenerationRequest& request) {
    Stroke stroke;
    QEventLoop loop;
    QString failure;
    quint64 change = 0;
    const auto t0 = Clock::now();
    auto seconds = [&] { return std::chrono::duration<double>(Clock::now() - t0).count(); };
    auto onPreview =
        QObject::connect(&live, &engine::LiveScheduler::preview, [&](quint64 c, const generation::Progress&) {
            if (c == change && stroke.firstPreview == 0) stroke.firstPreview = seconds();
        });
    auto onResult = QObject::connect(&live, &engine::LiveScheduler::result,
                                     [&](quint64 c, const generation::GenerationResult& r) {
                                         if (c != change) return;
                                         stroke.final = seconds();
                                         stroke.result = r;
                                         loop.quit();
                                     });
    auto onFailure = QObject::connect(&live, &engine::LiveScheduler::failed, [&](quint64, const QString& m) {
        failure = m;
        loop.quit();
    });
    change = live.change(request);
    loop.exec();
    QObject::disconnect(onPreview);
    QObject::disconnect(onResult);
    QObject::disconnect(onFailure);
    if (!failure.isEmpty()) throw Error("the live job failed: " + failure.toStdString());
    return stroke;
}

int runLiveBench(const QStringList& arguments) {
    QCommandLineParser parser;
    addCommonOptions(parser, "Live mode: stroke -> first preview and -> final image through the Engine and "
                             "LiveScheduler, next to one UNet evaluation of the same model.");
    const auto& samplers = sampling::samplerNames();
    const bool hasLcm = std::find(samplers.begin(), samplers.end(), "lcm") != samplers.end();
    const QString defaultSampler = hasLcm ? "lcm" : "euler";
    parser.addOptions({
        {"model",
         "Model file or diffusers folder (default: the tiny reference model, "
         "$GESSO_REFERENCE_DIR or ../shared/reference, models/tiny-sd15/diffusers).",
         "PATH"},
        {"random-weights", "Full-size SD1.5 with random weights instead of --model."},
        {"size", "Region size in pixels (square, multiple of 8; default 512).", "PX", "512"},
        {"steps", "Denoising steps each live job runs (default 4).", "N", "4"},
        {"strength", "Live img2img strength (default 0.5).", "S", "0.5"},
        {"sampler", "Sampler (default " + defaultSampler + ").", "NAME", defaultSampler},
        {"guidance", "CFG scale; 1 = no guidance, one UNet batch (default 1).", "G", "1"},
        {"runs", "Strokes timed after one warm-up stroke (default 3).", "N", "3"},
        {"debounce", "LiveScheduler debounce in ms, included in the times (default 0).", "MS", "0"},
        {"tokenizer-dir", "CLIP vocabulary for --random-weights (default <reference>/tokenizer/clip).",
         "DIR"},
    });
    if (!parseArguments(parser, arguments)) return kOk;
    applyCommonOptions(parser);
    const bool random = parser.isSet("random-weights");
    if (random && parser.isSet("model")) throw UsageError("--model and --random-weights exclude each other");
    const int size = intOption(parser, "size", 64, 8192, 512);
    if (size % 8) throw optionError("size", parser.value("size"), "is not a multiple of 8");
    const int steps = intOption(parser, "steps", 1, 1000, 4);
    const double strength = doubleOption(parser, "strength", 0.01, 1.0, 0.5);
    const double guidance = doubleOption(parser, "guidance", 0.0, 100.0, 1.0);
    const int runs = intOption(parser, "runs", 1, 1000, 3);
    const int debounce = intOption(parser, "debounce", 0, 60000, 0);
    const std::string sampler = parser.value("sampler").toStdString();
    if (std::find(samplers.begin(), samplers.end(), sampler) == samplers.end())
        throw optionError("sampler", parser.value("sampler"), "is not a known sampler");
    const auto device = parseDevice(parser.value("device").toStdString());

    generation::GenerationRequest request;
    request.modelPath = random ? "random-sd15"
                        : parser.isSet("model")
                            ? parser.value("model").toStdString()
                            : (referenceDir() / "models" / "tiny-sd15" / "diffusers").string();
    if (!random && !fs::exists(request.modelPath))
        throw UsageError("model not found: '" + request.modelPath +
                         "' (give --model PATH or set GESSO_REFERENCE_DIR)");
    request.mode = generation::Mode::Img2Img;
    request.prompt = "a watercolour landscape with hills and a river, soft light";
    request.sampler = sampler;
    request.steps = requestSteps(steps, strength);
    request.strength = strength;
    request.guidance = guidance;
    request.width = request.height = size;
    request.seed = 1; // fixed, as live mode keeps it
    request.device = device.str();

    c10::InferenceMode guard;
    pipeline::ModelBundle bundle;
    if (random) {
        std::string tokenizerDir = parser.value("tokenizer-dir").toStdString();
        if (tokenizerDir.empty()) tokenizerDir = (referenceDir() / "tokenizer" / "clip").string();
        bundle = randomSd15Bundle(device, tokenizerDir);
    } else {
        bundle =
            pipeline::loadModelBundle(request.modelPath, device, torch::kFloat32, request.tokenizerDir,
                                      pipeline::parsePredictionChoice(request.prediction), request.vaePath);
    }
    model::Unet unet = bundle.unet; // shares the weights the generator uses
    auto generator = std::make_shared<pipeline::Generator>();
    generator->useModel(std::move(bundle), request);

    // One UNet evaluation as the job makes it: batch 2 with guidance, else 1.
    const int batch = guidance > 1.0 ? 2 : 1;
    const auto f32 = torch::TensorOptions().dtype(torch::kFloat32).device(device);
    const auto sample = torch::randn({batch, unet->config().inChannels, size / 8, size / 8}, f32);
    const auto timestep = torch::full({batch}, 500.0, f32);
    const auto context = torch::randn({batch, 77, unet->config().crossAttentionDim}, f32);
    auto evaluateUnet = [&] {
        (void)unet->forward(sample, timestep, context, {}, {});
        synchronize(device);
    };
    const double mainThreadUnet = medianSeconds(runs, evaluateUnet);

    engine::BackendSet backend;
    backend.generate =
        [generator](const generation::GenerationRequest& r, const generation::ProgressCallback& progress,
                    const std::atomic<bool>& cancel) { return generator->generate(r, progress, cancel); };
    // The same evaluation on the engine's worker thread (a load job runs there), where the live jobs run.
    double unetSeconds = 0;
    backend.load = [&](const generation::GenerationSettings&,
                       const std::function<void(double, const std::string&)>&, const std::atomic<bool>&) {
        c10::InferenceMode workerGuard;
        unetSeconds = medianSeconds(runs, evaluateUnet);
    };
    engine::Engine engine(backend);
    engine.setWorkerThreads(at::get_num_threads()); // the same torch threads as the main thread's
    {
        QEventLoop loop;
        QObject::connect(&engine, &engine::Engine::modelLoaded, &loop, &QEventLoop::quit);
        engine.loadModel(request);
        loop.exec();
    }
    engine::LiveScheduler live(engine);
    live.setDebounceMs(debounce);

    // Each stroke changes the region's picture; the first one warms up (allocator, preview decoder).
    std::vector<Stroke> strokes;
    for (int i = 0; i <= runs; ++i) {
        auto stroke = request;
        stroke.initImage =
            ImageRgba8::filled(size, size, uint8_t(40 + 30 * i), 120, uint8_t(200 - 25 * i), 255);
        Stroke timed = runStroke(live, stroke);
        if (i > 0) strokes.push_back(std::move(timed));
    }

    auto medianOf = [&](const std::function<double(const Stroke&)>& f) {
        std::vector<double> values;
        for (const auto& s : strokes)
            values.push_back(f(s));
        return median(values);
    };
    const double firstPreview = medianOf([](const Stroke& s) { return s.firstPreview; });
    const double final = medianOf([](const Stroke& s) { return s.final; });
    const double network = medianOf([](const Stroke& s) { return s.network(); });
    const double overhead = medianOf([](const Stroke& s) { return s.final - s.network(); });
    const double text = medianOf([](const Stroke& s) { return s.result.textSeconds; });
    const double encode = medianOf([](const Stroke& s) { return s.result.vaeEncodeSeconds; });
    const double unetPhase = medianOf([](const Stroke& s) { return s.result.unetSeconds; });
    const double decode = medianOf([](const Stroke& s) { return s.result.vaeDecodeSeconds; });

    std::printf("live img2img, %s, %dx%d region, strength %.2f, %d steps (%s, guidance %.1f), device %s, "
                "%d torch threads, debounce %d ms\n",
                random ? "sd15 random weights" : request.modelPath.c_str(), size, size, strength, steps,
                sampler.c_str(), guidance, device.str().c_str(), at::get_num_threads(), debounce);
    std::printf(
        "one UNet evaluation (batch %d): %.3f s on the engine's worker thread, %.3f s on the main thread "
        "(median of %d each)\n",
        batch, unetSeconds, mainThreadUnet, runs);
    std::printf("stroke -> first preview: %.3f s = %.2f UNet evaluations (median of %d strokes)\n",
                firstPreview, firstPreview / unetSeconds, runs);
    std::printf("stroke -> final image:   %.3f s = %.2f UNet evaluations\n", final, final / unetSeconds);
    std::printf("  network work in the job: %.3f s = text %.3f + VAE encode %.3f + UNet %.3f (%d x %.3f s "
                "measured alone = %.3f) + VAE decode %.3f\n",
                network, text, encode, unetPhase, steps, unetSeconds, steps * unetSeconds, decode);
    std::printf("  overhead beyond network work: %.3f s = %.1f %% of the network work (target < 10 %%: %s)\n",
                overhead, 100.0 * overhead / network, overhead < 0.1 * network ? "met" : "NOT met");
    std::printf("peak RSS: %.2f GiB\n", peakRssBytes() / double(1 << 30));
    return kOk;
}

const RegisterBenchmark registration(
    {"live", "Live mode: stroke -> first preview and final image vs one UNet evaluation.", runLiveBench});

} // namespace
} // namespace gesso::cli
