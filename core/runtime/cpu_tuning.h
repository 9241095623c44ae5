#pragma once
// Process-wide settings that decide how fast torch runs on the CPU, applied by whoever owns the process.

namespace gesso {

// Sets OpenBLAS's own thread pool (libopenblas0-pthread) to `count` threads. torch calls BLAS from inside
// its OpenMP loops (per-sample convolutions, batched matmuls): a second pool of spinning BLAS threads on
// the same cores then fights the OpenMP pool. Returns false when the BLAS in use is not OpenBLAS.
bool setBlasThreads(int count);

// Keeps freed tensor memory in the heap instead of returning it to the kernel after every operation:
// glibc's default maps each large tensor afresh, and the page faults cost a third of a training run.
// Call it first in main, before any thread starts: the arena limit applies only to arenas not yet made.
void keepFreedTensorMemory();

// Whether the CPU computes bfloat16 natively (AVX512-BF16 or AMX-BF16 in /proc/cpuinfo): there oneDNN's bf16
// convolutions run about twice as fast as float32 ones (gesso-cli bench upscale --dtype both); elsewhere bf16
// is emulated and slower. Read once.
bool cpuHasNativeBf16();

} // namespace gesso
