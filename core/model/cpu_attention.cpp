#include "core/model/cpu_attention.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <vector>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

namespace gesso::model {

#if defined(__x86_64__)
namespace {

constexpr int64_t kRows = 32;    // query rows per block: a 32 x 4096 score block is 512 KiB, one core's L2
constexpr int64_t kKeyTile = 16; // keys per QK^T micro-tile (two 8-wide vectors)

struct FreeDeleter {
    void operator()(float* p) const { std::free(p); }
};
using Buffer = std::unique_ptr<float, FreeDeleter>;

Buffer allocate(int64_t floats) {
    const size_t bytes = (size_t(std::max<int64_t>(floats, 1)) * sizeof(float) + 63) / 64 * 64;
    return Buffer(static_cast<float*>(std::aligned_alloc(64, bytes)));
}

// expf for x <= 0 (scores minus their row maximum), Cephes' polynomial: within 2 ulp of expf.
__attribute__((target("avx2,fma"))) inline __m256 expNonPositive(__m256 x) {
    x = _mm256_max_ps(x, _mm256_set1_ps(-87.3365447505531f));
    __m256 fx =
        _mm256_floor_ps(_mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), _mm256_set1_ps(0.5f)));
    x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(0.693359375f), x);
    x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(-2.12194440e-4f), x);
    __m256 y = _mm256_set1_ps(1.9875691500e-4f);
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.3981999507e-3f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(8.3334519073e-3f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(4.1665795894e-2f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.6666665459e-1f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(5.0000001201e-1f));
    y = _mm256_fmadd_ps(y, _mm256_mul_ps(x, x), _mm256_add_ps(x, _mm256_set1_ps(1.0f)));
    const __m256i exponent =
        _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(fx), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(y, _mm256_castsi256_ps(exponent));
}

__attribute__((target("avx2,fma"))) inline float horizontalMax(__m256 v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m);
}

__attribute__((target("avx2,fma"))) inline float horizontalSum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

// Mask for the first `count` (1..8) lanes.
__attribute__((target("avx2,fma"))) inline __m256i laneMask(int64_t count) {
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(int(count)), lanes);
}

// One (batch, head)'s keys packed for the QK^T kernel: block b holds keys 8b..8b+7 as [d][8] (zeros past m).
void packKeys(const float* k, int64_t m, int64_t d, int64_t rowStride, int64_t keyBlocks, float* packed) {
    for (int64_t b = 0; b < keyBlocks; ++b)
        for (int64_t lane = 0; lane < 8; ++lane) {
            const int64_t j = b * 8 + lane;
            float* dst = packed + b * d * 8 + lane;
            if (j < m)
                for (int64_t e = 0; e < d; ++e)
                    dst[e * 8] = k[j * rowStride + e];
            else
                for (int64_t e = 0; e < d; ++e)
                    dst[e * 8] = 0.0f;
        }
}

// scores[r][j] = qs[r] . key j, for 4 rows (qs is [4][d], already scaled) and all padded keys.
__attribute__((target("avx2,fma"))) void scoreRows4(const float* qs, const float* packed, int64_t d,
                                                    int64_t keyBlocks, float* scores, int64_t scoreStride) {
    for (int64_t b = 0; b < keyBlocks; b += 2) {
        const float* k0 = packed + b * d * 8;
        const float* k1 = k0 + d * 8;
        __m256 a00 = _mm256_setzero_ps(), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00,
               a31 = a00;
        for (int64_t e = 0; e < d; ++e) {
            const __m256 kv0 = _mm256_load_ps(k0 + e * 8), kv1 = _mm256_load_ps(k1 + e * 8);
            const __m256 q0 = _mm256_broadcast_ss(qs + e), q1 = _mm256_broadcast_ss(qs + d + e);
            const __m256 q2 = _mm256_broadcast_ss(qs + 2 * d + e), q3 = _mm256_broadcast_ss(qs + 3 * d + e);
            a00 = _mm256_fmadd_ps(q0, kv0, a00);
            a01 = _mm256_fmadd_ps(q0, kv1, a01);
            a10 = _mm256_fmadd_ps(q1, kv0, a10);
            a11 = _mm256_fmadd_ps(q1, kv1, a11);
            a20 = _mm256_fmadd_ps(q2, kv0, a20);
            a21 = _mm256_fmadd_ps(q2, kv1, a21);
            a30 = _mm256_fmadd_ps(q3, kv0, a30);
            a31 = _mm256_fmadd_ps(q3, kv1, a31);
        }
        float* s = scores + b * 8;
        _mm256_store_ps(s, a00);
        _mm256_store_ps(s + 8, a01);
        _mm256_store_ps(s + scoreStride, a10);
        _mm256_store_ps(s + scoreStride + 8, a11);
        _mm256_store_ps(s + 2 * scoreStride, a20);
        _mm256_store_ps(s + 2 * scoreStride + 8, a21);
        _mm256_store_ps(s + 3 * scoreStride, a30);
        _mm256_store_ps(s + 3 * scoreStride + 8, a31);
    }
}

// Row r of the scores -> exp(s - max) in place over the m real keys; returns 1 / sum.
__attribute__((target("avx2,fma"))) float softmaxRow(float* s, int64_t m) {
    const int64_t full = m / 8 * 8;
    __m256 vmax = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
    for (int64_t j = 0; j < full; j += 8)
        vmax = _mm256_max_ps(vmax, _mm256_load_ps(s + j));
    float maximum = horizontalMax(vmax);
    for (int64_t j = full; j < m; ++j)
        maximum = std::max(maximum, s[j]);
    const __m256 vm = _mm256_set1_ps(maximum);
    __m256 vsum = _mm256_setzero_ps();
    for (int64_t j = 0; j < full; j += 8) {
        const __m256 e = expNonPositive(_mm256_sub_ps(_mm256_load_ps(s + j), vm));
        _mm256_store_ps(s + j, e);
        vsum = _mm256_add_ps(vsum, e);
    }
    float sum = horizontalSum(vsum);
    for (int64_t j = full; j < m; ++j)
        sum += s[j] = std::exp(s[j] - maximum);
    return 1.0f / sum;
}

// out rows r, r+1 (columns [c, c + 8 * Vectors), the last vector masked to `lastCount` lanes) =
// (p rows . v) * invSum.
template <int Vectors>
__attribute__((target("avx2,fma"))) void weightedValues2(const float* p0, const float* p1, const float* v,
                                                         int64_t m, int64_t vStride, int64_t lastCount,
                                                         float inv0, float inv1, float* out0, float* out1) {
    __m256 acc0[Vectors], acc1[Vectors];
    for (int t = 0; t < Vectors; ++t)
        acc0[t] = acc1[t] = _mm256_setzero_ps();
    const __m256i mask = laneMask(lastCount);
    for (int64_t j = 0; j < m; ++j) {
        const __m256 w0 = _mm256_broadcast_ss(p0 + j), w1 = _mm256_broadcast_ss(p1 + j);
        const float* row = v + j * vStride;
        for (int t = 0; t < Vectors; ++t) {
            const __m256 x = t + 1 < Vectors || lastCount == 8 ? _mm256_loadu_ps(row + 8 * t)
                                                               : _mm256_maskload_ps(row + 8 * t, mask);
            acc0[t] = _mm256_fmadd_ps(w0, x, acc0[t]);
            acc1[t] = _mm256_fmadd_ps(w1, x, acc1[t]);
        }
    }
    const __m256 s0 = _mm256_set1_ps(inv0), s1 = _mm256_set1_ps(inv1);
    for (int t = 0; t < Vectors; ++t) {
        const __m256 r0 = _mm256_mul_ps(acc0[t], s0), r1 = _mm256_mul_ps(acc1[t], s1);
        if (t + 1 < Vectors || lastCount == 8) {
            _mm256_storeu_ps(out0 + 8 * t, r0);
            if (out1) _mm256_storeu_ps(out1 + 8 * t, r1);
        } else {
            _mm256_maskstore_ps(out0 + 8 * t, mask, r0);
            if (out1) _mm256_maskstore_ps(out1 + 8 * t, mask, r1);
        }
    }
}

using WeightedValuesFn = void (*)(const float*, const float*, const float*, int64_t, int64_t, int64_t, float,
                                  float, float*, float*);
constexpr WeightedValuesFn kWeightedValues[] = {weightedValues2<1>, weightedValues2<2>, weightedValues2<3>,
                                                weightedValues2<4>};

struct Problem {
    const float *q, *k, *v;
    float* out;
    int64_t batch, n, m, heads, d;
    float scale;
};

// One thread's share: tasks [first, last) of (batch, head, row block), in order, so consecutive tasks
// mostly share a head and its packed keys.
struct Workspace {
    Buffer packed, scores, qs;
};

int64_t keyBlocksOf(const Problem& p) {
    return (p.m + kKeyTile - 1) / kKeyTile * (kKeyTile / 8);
}

__attribute__((target("avx2,fma"))) void runTasks(const Problem& p, Workspace& w, int64_t first,
                                                  int64_t last) {
    const int64_t channels = p.heads * p.d;
    const int64_t rowBlocks = (p.n + kRows - 1) / kRows;
    const int64_t keyBlocks = keyBlocksOf(p);
    const int64_t scoreStride = keyBlocks * 8;
    Buffer &packed = w.packed, &scores = w.scores, &qs = w.qs;
    float inverse[kRows];
    int64_t packedHead = -1;
    for (int64_t task = first; task < last; ++task) {
        const int64_t head = task / rowBlocks; // batch * heads + h
        const int64_t b = head / p.heads, h = head % p.heads;
        const int64_t row0 = task % rowBlocks * kRows, rows = std::min(kRows, p.n - row0);
        const int64_t rows4 = (rows + 3) / 4 * 4;
        if (head != packedHead) {
            packKeys(p.k + b * p.m * channels + h * p.d, p.m, p.d, channels, keyBlocks, packed.get());
            packedHead = head;
        }
        const float* qBase = p.q + (b * p.n + row0) * channels + h * p.d;
        for (int64_t r = 0; r < rows4; ++r)
            for (int64_t e = 0; e < p.d; ++e)
                qs.get()[r * p.d + e] = r < rows ? qBase[r * channels + e] * p.scale : 0.0f;
        for (int64_t r = 0; r < rows4; r += 4)
            scoreRows4(qs.get() + r * p.d, packed.get(), p.d, keyBlocks, scores.get() + r * scoreStride,
                       scoreStride);
        for (int64_t r = 0; r < rows; ++r)
            inverse[r] = softmaxRow(scores.get() + r * scoreStride, p.m);
        const float* vBase = p.v + b * p.m * channels + h * p.d;
        float* outBase = p.out + (b * p.n + row0) * channels + h * p.d;
        for (int64_t c = 0; c < p.d; c += 32) {
            const int64_t width = std::min<int64_t>(32, p.d - c);
            const int64_t vectors = (width + 7) / 8, lastCount = width - (vectors - 1) * 8;
            for (int64_t r = 0; r < rows; r += 2) {
                const bool pair = r + 1 < rows;
                const float* s0 = scores.get() + r * scoreStride;
                kWeightedValues[vectors - 1](s0, pair ? s0 + scoreStride : s0, vBase + c, p.m, channels,
                                             lastCount, inverse[r], pair ? inverse[r + 1] : 0.0f,
                                             outBase + r * channels + c,
                                             pair ? outBase + (r + 1) * channels + c : nullptr);
            }
        }
    }
}

} // namespace

bool fusedAttentionCpuAvailable() {
    static const bool available = [] {
        unsigned a = 0, b = 0, c = 0, d = 0;
        if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
        const bool osAvx = (c & bit_OSXSAVE) && (c & bit_AVX) && (c & bit_FMA);
        if (!osAvx || !__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
        return (b & bit_AVX2) != 0;
    }();
    return available;
}

void fusedAttentionCpu(const float* q, const float* k, const float* v, float* out, int64_t batch, int64_t n,
                       int64_t m, int64_t heads, int64_t d, float scale, int threads) {
    const Problem problem{q, k, v, out, batch, n, m, heads, d, scale};
    const int64_t tasks = batch * heads * ((n + kRows - 1) / kRows);
    if (tasks == 0 || m == 0 || d == 0) return;
    const int64_t workers = std::clamp<int64_t>(threads, 1, tasks);
    std::vector<Workspace> spaces(
        static_cast<size_t>(workers)); // allocated here: nothing may throw inside the parallel region
    const int64_t keyFloats = keyBlocksOf(problem) * 8;
    for (auto& s : spaces) {
        s = {allocate(keyFloats * d), allocate(kRows * keyFloats), allocate(kRows * d)};
        if (!s.packed || !s.scores || !s.qs) throw std::bad_alloc();
    }
#pragma omp parallel for num_threads(workers) schedule(static, 1)
    for (int64_t w = 0; w < workers; ++w)
        runTasks(problem, spaces[size_t(w)], tasks * w / workers, tasks * (w + 1) / workers);
}

#else

bool fusedAttentionCpuAvailable() {
    return false;
}
void fusedAttentionCpu(const float*, const float*, const float*, float*, int64_t, int64_t, int64_t, int64_t,
                       int64_t, float, int) {}

#endif

} // namespace gesso::model
