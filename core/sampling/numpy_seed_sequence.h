#pragma once
// numpy.random.SeedSequence (NumPy >= 1.19, numpy/random/bit_generator.pyx): integer entropy and a spawn key
// hashed into a pool of 32-bit words, expanded by generate_state. torchsde's Brownian trees take every seed
// from it, so it has to agree with numpy word for word.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace gesso::sampling::np {

// numpy's `_coerce_to_uint32_array` of a non-negative integer: its 32-bit words, lowest first (0 -> {0}).
std::vector<uint32_t> uint32Words(uint64_t value);

class SeedSequence {
public:
    static constexpr size_t kDefaultPoolSize = 4;

    // `entropy` and `spawnKey` are already coerced to words (uint32Words of each integer, concatenated).
    // Throws gesso::Error for a pool smaller than kDefaultPoolSize or empty entropy.
    explicit SeedSequence(std::vector<uint32_t> entropy, std::vector<uint32_t> spawnKey = {},
                          size_t poolSize = kDefaultPoolSize);

    // generate_state(words) with dtype uint32 / uint64 (the latter pairs consecutive words, low word first).
    std::vector<uint32_t> generateState(size_t words) const;
    std::vector<uint64_t> generateState64(size_t words) const;

private:
    std::vector<uint32_t> m_pool;
};

} // namespace gesso::sampling::np
