#include "core/runtime/threads.h"

#include "core/runtime/cpu_tuning.h"
#include "core/runtime/load_adaptive_threads.h"

#include <torch/torch.h>

#include <cstdlib>
#include <string>
#include <thread>

namespace gesso {

namespace {
int parsePositive(const char* text) {
    if (!text || !*text) return 0;
    char* end = nullptr;
    long value = std::strtol(text, &end, 10);
    if (*end != '\0' || value <= 0 || value > 1024) return 0;
    return static_cast<int>(value);
}
} // namespace

int chooseThreadCount(int requested) {
    if (requested > 0) return requested;
    if (int fromEnv = parsePositive(std::getenv("GESSO_THREADS"))) return fromEnv;
    return hardwareThreadCount();
}

int hardwareThreadCount() {
    const unsigned hardware = std::thread::hardware_concurrency();
    return hardware > 0 ? static_cast<int>(hardware) : 1;
}

int configureThreads(int requested) {
    int count = chooseThreadCount(requested);
    setThreadsAdaptToLoad(requested <= 0 && !parsePositive(std::getenv("GESSO_THREADS")));
    torch::set_num_threads(count);
    // One pool: torch's OpenMP threads. OpenBLAS runs inside them, single-threaded (see cpu_tuning.h).
    setBlasThreads(1);
    keepFreedTensorMemory();
    return count;
}

int currentThreadCount() {
    return torch::get_num_threads();
}

} // namespace gesso
