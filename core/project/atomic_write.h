#pragma once
// Crash-safe file replacement: the bytes go to a temporary file in the destination's folder which is renamed
// over the destination only after everything was written and flushed (QSaveFile). If anything fails or
// throws before that, the temporary file is removed and the previous file is untouched.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>

namespace gesso::project {

struct AtomicWriteOptions {
    // Called after each chunk with (bytesWritten, totalBytes). Tests throw from it to simulate a crash or a
    // full disk in the middle of a save.
    std::function<void(size_t written, size_t total)> afterChunk;
    size_t chunkSize = size_t(1) << 20;
};

// Throws gesso::Error naming `path` when the folder is not writable or the write/rename fails.
void writeFileAtomically(const std::string& path, std::span<const uint8_t> bytes,
                         const AtomicWriteOptions& options = {});

} // namespace gesso::project
