#pragma once

namespace gesso {

// torch's intra-op pool starts at 1 thread on these machines, so every process sets it here, once.
// Precedence: explicit request (> 0, e.g. --threads) > environment GESSO_THREADS > hardware cores.
// With neither an explicit request nor GESSO_THREADS, generations also give up threads to other programs'
// load (load_adaptive_threads.h).
// Also makes OpenBLAS single-threaded and keeps freed tensor memory mapped (cpu_tuning.h).
// Returns the count applied. Call from the main thread before any torch work.
int configureThreads(int requested = 0);

// The count that configureThreads would choose for `requested` (no side effects).
int chooseThreadCount(int requested = 0);

// The machine's hardware threads (at least 1), whatever GESSO_THREADS says.
int hardwareThreadCount();

// torch's current intra-op thread count.
int currentThreadCount();

} // namespace gesso
