#include "core/runtime/load_adaptive_threads.h"

#include <torch/torch.h>

#include <algorithm>
#include <atomic>
#include <cmath>

namespace gesso {
namespace {
std::atomic<bool> g_adapt{false};
} // namespace

bool threadsAdaptToLoad() {
    return g_adapt.load();
}

void setThreadsAdaptToLoad(bool adapt) {
    g_adapt.store(adapt);
}

int threadsBeside(double othersBusyCores, int ceiling) {
    const int held = static_cast<int>(std::floor(std::max(0.0, othersBusyCores) + 0.5));
    return std::clamp(ceiling - held, 1, std::max(1, ceiling));
}

LoadAdaptiveThreads::LoadAdaptiveThreads() : m_active(threadsAdaptToLoad()) {
    m_ceiling = m_current = torch::get_num_threads();
    if (m_ceiling <= 1) m_active = false;
    if (m_active) m_load.emplace();
}

LoadAdaptiveThreads::~LoadAdaptiveThreads() {
    if (m_active && m_current != m_ceiling) torch::set_num_threads(m_ceiling);
}

void LoadAdaptiveThreads::update() {
    if (!m_active) return;
    const auto others = m_load->sample();
    if (!others) return;
    const int wanted = threadsBeside(*others, m_ceiling);
    if (wanted == m_current) return;
    torch::set_num_threads(wanted);
    m_current = wanted;
}

} // namespace gesso
