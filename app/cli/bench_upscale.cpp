// gesso-cli bench upscale: an ESRGAN-family network at its published widths (random weights) on a square
// input, tiled as users run it, interleaved with a 3x3 64->64 convolution on the same activation size; the
// network's useful GFLOP/s (those of one untiled pass) are reported as a fraction of the convolution's.
#include "bench_command.h"
#include "bench_support.h"
#include "command.h"

#include "core/io/safetensors.h"
#include "core/upscale/network_upscaler.h"

#include <torch/torch.h>

#include <algorithm>
#include <cstdio>

namespace gesso::cli {
namespace {

void conv(io::TensorMap& t, const std::string& name, int64_t out, int64_t in) {
    t[name + ".weight"] = torch::randn({out, in, 3, 3}) * (1.0 / std::sqrt(double(in * 9)));
    t[name + ".bias"] = torch::zeros({out});
}

// RealESRGAN_x4plus (64/23/32) or, with unshuffle 2, RealESRGAN_x2plus; the published widths.
io::TensorMap randomRrdb(int64_t unshuffle, int64_t nf, int64_t nb, int64_t gc) {
    io::TensorMap t;
    conv(t, "conv_first", nf, 3 * unshuffle * unshuffle);
    for (int64_t b = 0; b < nb; ++b)
        for (int r = 1; r <= 3; ++r) {
            const std::string p = "body." + std::to_string(b) + ".rdb" + std::to_string(r) + ".conv";
            for (int c = 1; c <= 4; ++c)
                conv(t, p + std::to_string(c), gc, nf + (c - 1) * gc);
            conv(t, p + "5", nf, nf + 4 * gc);
        }
    for (const char* name : {"conv_body", "conv_up1", "conv_up2", "conv_hr"})
        conv(t, name, nf, nf);
    conv(t, "conv_last", 3, nf);
    return t;
}

// realesr-general-x4v3 (64 features, 32 convs).
io::TensorMap randomSrvgg(int64_t nf, int convs) {
    io::TensorMap t;
    conv(t, "body.0", nf, 3);
    for (int i = 0; i <= convs; ++i) {
        if (i > 0) conv(t, "body." + std::to_string(2 * i), nf, nf);
        t["body." + std::to_string(2 * i + 1) + ".weight"] = torch::full({nf}, 0.25);
    }
    conv(t, "body." + std::to_string(2 * convs + 2), 3 * 16, nf);
    return t;
}

// FLOPs of one untiled pass on an h x w input (2 per multiply-add).
double networkFlops(const io::TensorMap& weights, int64_t h, int64_t w) {
    double flops = 0;
    for (const auto& [name, t] : weights) {
        if (t.dim() != 4) continue;
        // Resolution each conv runs at: the unshuffled input for the trunk, x2 / x4 for the upsampling convs.
        if (!weights.count("conv_first.weight")) { // SRVGG: every conv at input resolution
            flops += 2.0 * double(t.size(0) * t.size(1) * 9) * double(h * w);
            continue;
        }
        double pixels = double(h * w) / double(weights.at("conv_first.weight").size(1) / 3);
        if (name.rfind("conv_up1", 0) == 0) pixels *= 4;
        if (name.rfind("conv_up2", 0) == 0 || name.rfind("conv_hr", 0) == 0 ||
            name.rfind("conv_last", 0) == 0)
            pixels *= 16;
        flops += 2.0 * double(t.size(0) * t.size(1) * 9) * pixels;
    }
    return flops;
}

double median(std::vector<double> v) {
    std::nth_element(v.begin(), v.begin() + long(v.size() / 2), v.end());
    return v[v.size() / 2];
}

int runUpscaleBench(const QStringList& arguments) {
    QCommandLineParser parser;
    addCommonOptions(parser, "Time an ESRGAN-family upscaler at its published widths (random weights) on a "
                             "square input, tiled, interleaved with a 3x3 64->64 convolution on the same "
                             "activation size.");
    parser.addOption({"arch",
                      "rrdb (RealESRGAN_x4plus: 64 features, 23 blocks, gc 32) or srvgg "
                      "(realesr-general-x4v3: 64 features, 32 convs).",
                      "ARCH", "rrdb"});
    parser.addOption({"random-weights", "Build the network with random weights in memory (required)."});
    parser.addOption({"size", "Input pixels, square (default 512).", "PIXELS", "512"});
    parser.addOption({"tile", "Input pixels per tile (0 = untiled; default 192).", "N", "192"});
    parser.addOption({"overlap", "Blend overlap (default 16).", "N", "16"});
    parser.addOption({"tile-pad", "Context pixels per tile (default 8).", "N", "8"});
    parser.addOption({"runs", "Interleaved runs; medians are reported (default 1).", "N", "1"});
    parser.addOption({"save-model",
                      "Also write the random network to this .safetensors file (rrdb: "
                      "--unshuffle 2 makes it the x2 variant).",
                      "FILE"});
    parser.addOption(
        {"dtype", "fp32, bf16, or both (fp32 and bf16 runs interleaved, with their ratio) (default fp32).",
         "TYPE", "fp32"});
    parser.addOption({"unshuffle", "rrdb: pixel-unshuffle 1 (x4) or 2 (x2) (default 1).", "U", "1"});
    parser.addOption({"blocks",
                      "rrdb: RRDB blocks (default 23, the published depth; fewer blocks change the "
                      "time, not the peak memory).",
                      "N", "23"});
    if (!parseArguments(parser, arguments)) return kOk;
    applyCommonOptions(parser);
    if (!parser.isSet("random-weights"))
        throw UsageError("only --random-weights is supported: the benchmark builds the network in memory");
    const std::string arch = parser.value("arch").toStdString();
    if (arch != "rrdb" && arch != "srvgg") throw UsageError("--arch must be rrdb or srvgg");
    const int size = intOption(parser, "size", 16, 8192, 512);
    const int runs = intOption(parser, "runs", 1, 100, 1);
    const int unshuffle = intOption(parser, "unshuffle", 1, 2, 1);
    upscale::UpscaleOptions options;
    options.tile = intOption(parser, "tile", 0, 8192, 192);
    options.overlap = intOption(parser, "overlap", 0, 8191, 16);
    options.tilePad = intOption(parser, "tile-pad", 0, 1024, 8);

    torch::manual_seed(1);
    const io::TensorMap weights = arch == "rrdb"
                                      ? randomRrdb(unshuffle, 64, intOption(parser, "blocks", 1, 100, 23), 32)
                                      : randomSrvgg(64, 32);
    if (parser.isSet("save-model"))
        io::writeSafetensors(parser.value("save-model").toStdString(), {weights.begin(), weights.end()});
    upscale::NetworkUpscaler upscaler(weights, "random " + arch);
    const int64_t scale = int64_t(upscaler.scale());
    const double flops = networkFlops(weights, size, size);
    std::printf("%s, %dx%d input, tile %d (overlap %d, pad %d), %d threads; %.2f TFLOP per untiled pass\n",
                upscaler.describe().c_str(), size, size, options.tile, options.overlap, options.tilePad,
                torch::get_num_threads(), flops / 1e12);

    c10::InferenceMode guard;
    const auto image = torch::rand({1, 3, size, size});
    const int64_t activation = size / unshuffle;
    const auto x = torch::randn({1, 64, activation, activation});
    const auto w = torch::randn({64, 64, 3, 3}) * 0.04;
    const auto b = torch::zeros({64});
    const double convFlops = 2.0 * 64 * 64 * 9 * double(activation * activation);
    const std::atomic<bool> cancel{false};
    torch::conv2d(x, w, b, 1, 1); // warm-up
    const QString dtype = parser.value("dtype");
    if (dtype != "fp32" && dtype != "bf16" && dtype != "both")
        throw optionError("dtype", dtype, "is not fp32, bf16 or both");
    std::vector<torch::ScalarType> types;
    if (dtype != "bf16") types.push_back(torch::kFloat32);
    if (dtype != "fp32") types.push_back(torch::kBFloat16);
    if (types.size() > 1) { // convert the bf16 weights before timing
        options.dtype = torch::kBFloat16;
        upscaler.upscale(image.slice(2, 0, 16).slice(3, 0, 16), options, cancel);
    }
    std::vector<double> convTimes;
    std::vector<std::vector<double>> netTimes(types.size());
    for (int r = 0; r < runs; ++r) {
        convTimes.push_back(medianSeconds(
            1, [&] { torch::conv2d(x, w, b, 1, 1); }, false));
        for (size_t t = 0; t < types.size(); ++t) {
            options.dtype = types[t];
            netTimes[t].push_back(medianSeconds(
                1, [&] { upscaler.upscale(image, options, cancel); }, false));
        }
        convTimes.push_back(medianSeconds(
            1, [&] { torch::conv2d(x, w, b, 1, 1); }, false));
    }
    const double convRate = convFlops / median(convTimes) / 1e9;
    std::printf("conv3x3 64->64 %lldx%lld (fp32): %.1f GFLOP/s (median of %zu)\n", (long long)activation,
                (long long)activation, convRate, convTimes.size());
    for (size_t t = 0; t < types.size(); ++t) {
        const double netRate = flops / median(netTimes[t]) / 1e9;
        std::printf(
            "upscale %dx%d -> %lldx%lld in %s: median %.2f s (%d runs) = %.1f useful GFLOP/s = %.2f of "
            "the conv microbenchmark\n",
            size, size, (long long)(size * scale), (long long)(size * scale),
            types[t] == torch::kFloat32 ? "fp32" : "bf16", median(netTimes[t]), runs, netRate,
            netRate / convRate);
    }
    if (types.size() > 1)
        std::printf("bf16 / fp32 time: %.2f (same run, interleaved)\n",
                    median(netTimes[1]) / median(netTimes[0]));
    std::printf("peak RSS %.2f GiB\n", double(peakRssBytes()) / double(1 << 30));
    return kOk;
}

const RegisterBenchmark
    registration({"upscale",
                  "ESRGAN-family upscaler (published widths, random weights), tiled, next "
                  "to a 3x3 conv.",
                  runUpscaleBench});

} // namespace
} // namespace gesso::cli
