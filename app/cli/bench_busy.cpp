// `gesso-cli bench busy --model PATH`: txt2img on an idle machine and beside another process that keeps one
// core busy (a child that spins), at one thread, at every core with a fixed count, and at the default count
// (every core, adapting to the load between steps: core/runtime/load_adaptive_threads.h). Conditions are
// interleaved round by round; each figure is the median of the rounds.
#include "bench_command.h"
#include "command.h"
#include "random_sd15.h"

#include "core/pipeline/generator.h"
#include "core/runtime/device.h"
#include "core/runtime/load_adaptive_threads.h"
#include "core/runtime/threads.h"

#include <torch/torch.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <map>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace gesso::cli {
namespace {

// Another program keeping a core busy, for as long as the object lives.
class SpinningProcess {
public:
    SpinningProcess() {
        m_pid = fork();
        if (m_pid == 0) {
            volatile unsigned long n = 0;
            for (;;)
                n = n + 1;
        }
        if (m_pid < 0) throw Error("bench busy: fork failed");
        usleep(200 * 1000);
    }
    ~SpinningProcess() {
        kill(m_pid, SIGKILL);
        waitpid(m_pid, nullptr, 0);
    }
    SpinningProcess(const SpinningProcess&) = delete;
    SpinningProcess& operator=(const SpinningProcess&) = delete;

private:
    pid_t m_pid = -1;
};

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

int runBenchBusy(const QStringList& arguments) {
    QCommandLineParser parser;
    addCommonOptions(parser, "txt2img idle and beside a process that keeps one core busy, at one thread, at "
                             "every core (fixed) and at the default thread count (adapting to the load).");
    parser.addOptions({
        {"random-weights", "Full-size SD1.5 with random weights (instead of --model)."},
        {"model", "The model to time (file or diffusers folder).", "PATH"},
        {"size", "Image size in pixels (default 256).", "PX", "256"},
        {"steps", "Denoising steps (default 10).", "N", "10"},
        {"rounds", "Rounds of all six conditions (default 3).", "N", "3"},
        {"tokenizer-dir", "CLIP vocabulary folder for --random-weights.", "DIR"},
    });
    if (!parseArguments(parser, arguments)) return kOk;
    applyCommonOptions(parser);
    const bool fromFile = parser.isSet("model");
    if (!fromFile && !parser.isSet("random-weights")) throw UsageError("--model PATH or --random-weights");
    const int size = intOption(parser, "size", 8, 4096, 256);
    if (size % 8) throw optionError("size", parser.value("size"), "is not a multiple of 8");
    const int steps = intOption(parser, "steps", 1, 1000, 10);
    const int rounds = intOption(parser, "rounds", 1, 100, 3);
    const int cores = hardwareThreadCount();
    std::string tokenizerDir = parser.value("tokenizer-dir").toStdString();
    if (tokenizerDir.empty()) tokenizerDir = "../shared/reference/tokenizer/clip";

    c10::InferenceMode guard;
    pipeline::Generator generator;
    generation::GenerationRequest r;
    r.modelPath = fromFile ? parser.value("model").toStdString() : "random-sd15";
    r.prompt = "a large red circle on the left, on a blue background";
    r.steps = steps;
    r.width = r.height = size;
    r.seed = 1;
    r.device = "cpu";
    if (!fromFile) generator.useModel(randomSd15Bundle(torch::Device(torch::kCPU), tokenizerDir), r);
    std::atomic<bool> cancel{false};

    struct Mode {
        const char* name;
        int threads;
        bool adapt;
    };
    const Mode modes[] = {
        {"1 thread", 1, false}, {"every core, fixed", cores, false}, {"default (adapting)", cores, true}};
    std::map<std::string, std::vector<double>> seconds;
    auto key = [](const char* load, const Mode& m) { return std::string(load) + " | " + m.name; };
    auto time = [&](const Mode& m) {
        torch::set_num_threads(m.threads);
        setThreadsAdaptToLoad(m.adapt);
        return generator.generate(r, {}, cancel).totalSeconds;
    };
    time(modes[2]); // warm-up: model load, first-touch allocations
    for (int round = 0; round < rounds; ++round)
        for (const char* load : {"idle", "busy"}) {
            std::optional<SpinningProcess> spinner;
            if (std::string(load) == "busy") spinner.emplace();
            for (const Mode& m : modes)
                seconds[key(load, m)].push_back(time(m));
        }
    std::printf("txt2img %s, %dx%d, %d steps, %d cores, median of %d rounds (seconds per image)\n",
                fromFile ? r.modelPath.c_str() : "sd15 random weights", size, size, steps, cores, rounds);
    for (const char* load : {"idle", "busy"})
        for (const Mode& m : modes)
            std::printf("  %-4s  %-20s %7.2f\n", load, m.name, median(seconds[key(load, m)]));
    const double idleOne = median(seconds[key("idle", modes[0])]);
    const double busyOne = median(seconds[key("busy", modes[0])]);
    const double busyDefault = median(seconds[key("busy", modes[2])]);
    const double busyFixed = median(seconds[key("busy", modes[1])]);
    std::printf("busy, default / busy, 1 thread:   %.2f (target <= 1; every core fixed: %.2f)\n",
                busyDefault / busyOne, busyFixed / busyOne);
    std::printf("busy, default / idle, 1 thread:   %.2f (target <= 1.3)\n", busyDefault / idleOne);
    std::printf("idle, default / idle, every core: %.2f (the cost of watching the load)\n",
                median(seconds[key("idle", modes[2])]) / median(seconds[key("idle", modes[1])]));
    return kOk;
}

const RegisterBenchmark registration({"busy",
                                      "txt2img idle and beside a busy core: 1 thread, every core, default.",
                                      runBenchBusy});

} // namespace
} // namespace gesso::cli
