#include "core/sampling/numpy_seed_sequence.h"

#include "core/runtime/error.h"

#include <string>

namespace gesso::sampling::np {

namespace {

// The hash constants of O'Neill's seed_seq alternative, as numpy uses them.
constexpr uint32_t kInitA = 0x43b0d7e5;
constexpr uint32_t kMultA = 0x931e8875;
constexpr uint32_t kInitB = 0x8b51f9dd;
constexpr uint32_t kMultB = 0x58f38ded;
constexpr uint32_t kMixMultL = 0xca01f9dd;
constexpr uint32_t kMixMultR = 0x4973f715;
constexpr unsigned kXShift = 16;

uint32_t hashMix(uint32_t value, uint32_t& hashConst) {
    value ^= hashConst;
    hashConst *= kMultA;
    value *= hashConst;
    value ^= value >> kXShift;
    return value;
}

uint32_t mix(uint32_t x, uint32_t y) {
    uint32_t result = kMixMultL * x - kMixMultR * y;
    result ^= result >> kXShift;
    return result;
}

} // namespace

std::vector<uint32_t> uint32Words(uint64_t value) {
    if (value == 0) return {0};
    std::vector<uint32_t> words;
    for (; value > 0; value >>= 32)
        words.push_back(static_cast<uint32_t>(value & 0xffffffffu));
    return words;
}

SeedSequence::SeedSequence(std::vector<uint32_t> entropy, std::vector<uint32_t> spawnKey, size_t poolSize) {
    if (poolSize < kDefaultPoolSize)
        throw Error("SeedSequence: the entropy pool needs at least " + std::to_string(kDefaultPoolSize) +
                    " words, got " + std::to_string(poolSize));
    if (entropy.empty()) throw Error("SeedSequence: no entropy words");
    // Since NumPy 1.19 (gh-16539) a spawn key starts after a zero-padded pool, so that it cannot collide with
    // longer entropy; without a spawn key the entropy is not padded (stream compatibility with 1.17).
    if (!spawnKey.empty() && entropy.size() < poolSize) entropy.resize(poolSize, 0);
    entropy.insert(entropy.end(), spawnKey.begin(), spawnKey.end());

    m_pool.assign(poolSize, 0);
    uint32_t hashConst = kInitA;
    for (size_t i = 0; i < poolSize; ++i)
        m_pool[i] = hashMix(i < entropy.size() ? entropy[i] : 0, hashConst);
    for (size_t src = 0; src < poolSize; ++src)
        for (size_t dst = 0; dst < poolSize; ++dst)
            if (src != dst) m_pool[dst] = mix(m_pool[dst], hashMix(m_pool[src], hashConst));
    for (size_t src = poolSize; src < entropy.size(); ++src)
        for (size_t dst = 0; dst < poolSize; ++dst)
            m_pool[dst] = mix(m_pool[dst], hashMix(entropy[src], hashConst));
}

std::vector<uint32_t> SeedSequence::generateState(size_t words) const {
    std::vector<uint32_t> state(words);
    uint32_t hashConst = kInitB;
    for (size_t i = 0; i < words; ++i) {
        uint32_t value = m_pool[i % m_pool.size()];
        value ^= hashConst;
        hashConst *= kMultB;
        value *= hashConst;
        value ^= value >> kXShift;
        state[i] = value;
    }
    return state;
}

std::vector<uint64_t> SeedSequence::generateState64(size_t words) const {
    const auto halves = generateState(2 * words);
    std::vector<uint64_t> state(words);
    for (size_t i = 0; i < words; ++i)
        state[i] = uint64_t(halves[2 * i]) | (uint64_t(halves[2 * i + 1]) << 32);
    return state;
}

} // namespace gesso::sampling::np
