#include "core/runtime/cpu_tuning.h"

#include <dlfcn.h>
#include <malloc.h>

#include <fstream>
#include <sstream>
#include <string>

namespace gesso {

bool setBlasThreads(int count) {
    using SetThreads = void (*)(int);
    auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
    if (!set) return false;
    set(count);
    return true;
}

void keepFreedTensorMemory() {
    // 32 MiB is glibc's largest allowed mmap threshold on 64-bit; bigger blocks are still mapped.
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    mallopt(M_TOP_PAD, 64 << 20);
    // Blocks above that threshold (a 512x512 SD1.5 convolution's buffers are ~47 MiB) would still be mapped
    // and unmapped on every call: millions of page faults, and each unmap's TLB shootdown interrupts the UI
    // thread's core too (gesso-cli bench ui: 57-62 ms stalls). Serving them from the heap instead removes
    // both. One arena keeps the worker's freed blocks reusable by the next operation on any torch thread.
    mallopt(M_MMAP_MAX, 0);
    mallopt(M_ARENA_MAX, 1);
}

bool cpuHasNativeBf16() {
    static const bool native = [] {
        std::ifstream cpuinfo("/proc/cpuinfo");
        for (std::string line; std::getline(cpuinfo, line);) {
            if (line.rfind("flags", 0) != 0) continue;
            std::istringstream flags(line.substr(line.find(':') + 1));
            for (std::string flag; flags >> flag;)
                if (flag == "avx512_bf16" || flag == "amx_bf16") return true;
            return false; // every core lists the same flags
        }
        return false;
    }();
    return native;
}

} // namespace gesso
