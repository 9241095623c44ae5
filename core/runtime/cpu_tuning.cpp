#include "core/runtime/cpu_tuning.h"

#include <dlfcn.h>
#include <malloc.h>

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
}

} // namespace gesso
