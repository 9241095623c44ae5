#include "memfd_input.h"

#include <sys/mman.h>
#include <unistd.h>

namespace gesso::fuzz {

const std::string& memfdWithInput(const uint8_t* data, size_t size) {
    static const int fd = memfd_create("fuzz-input", 0);
    static const std::string path = "/proc/self/fd/" + std::to_string(fd);
    if (fd < 0 || ftruncate(fd, 0) != 0) __builtin_trap();
    size_t done = 0;
    while (done < size) {
        const ssize_t n = pwrite(fd, data + done, size - done, static_cast<off_t>(done));
        if (n <= 0) __builtin_trap();
        done += static_cast<size_t>(n);
    }
    return path;
}

} // namespace gesso::fuzz
