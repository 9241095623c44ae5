#include "core/model/flop_counter.h"

#include <atomic>

namespace gesso::model {
namespace {
std::atomic<bool> g_enabled{false};
std::atomic<double> g_flops{0.0};
} // namespace

void setFlopCounting(bool enabled) {
    g_enabled = enabled;
}
bool flopCounting() {
    return g_enabled.load(std::memory_order_relaxed);
}
void addFlops(double flops) {
    if (!flopCounting()) return;
    double current = g_flops.load();
    while (!g_flops.compare_exchange_weak(current, current + flops)) {
    }
}
double countedFlops() {
    return g_flops.load();
}
void resetFlops() {
    g_flops = 0.0;
}

} // namespace gesso::model
