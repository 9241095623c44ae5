#pragma once
// torch threads that make room for other programs. On an artist's desktop another program often keeps a core
// busy; torch's OpenMP threads split every operation evenly, so the thread sharing that core holds the others
// at each barrier while they spin (libgomp's default wait policy, which is 1.5x faster than a passive one on
// an idle machine): two threads then run 2x slower than one. Between denoising steps, a generation lowers its
// thread count by the cores other processes keep busy and raises it again when they are free.
//
// Only when the thread count was not fixed (no --threads, no GESSO_THREADS: configureThreads() decides): a
// fixed count is kept as given, e.g. for benchmarks and reproducibility checks.
#include "core/runtime/cpu_load.h"

#include <optional>

namespace gesso {

// Whether generations adapt their thread count to the machine's load (set by configureThreads()).
bool threadsAdaptToLoad();
void setThreadsAdaptToLoad(bool adapt);

// The thread count beside `othersBusyCores` of other processes' load: `ceiling` minus the cores they hold
// (a core counts from 0.5 busy), at least 1.
int threadsBeside(double othersBusyCores, int ceiling);

// Lives for one generation on the thread that runs torch: the count it finds is the ceiling, update() between
// steps adapts, the destructor restores the ceiling. Does nothing when threadsAdaptToLoad() is false.
class LoadAdaptiveThreads {
public:
    LoadAdaptiveThreads();
    ~LoadAdaptiveThreads();
    LoadAdaptiveThreads(const LoadAdaptiveThreads&) = delete;
    LoadAdaptiveThreads& operator=(const LoadAdaptiveThreads&) = delete;

    void update();
    int ceiling() const { return m_ceiling; }

private:
    bool m_active = false;
    int m_ceiling = 1;
    int m_current = 1;
    std::optional<OtherProcessesLoad> m_load; // only when active: no /proc reads otherwise
};

} // namespace gesso
