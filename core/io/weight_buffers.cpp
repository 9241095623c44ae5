#include "core/io/weight_buffers.h"

#include <c10/util/accumulate.h>

#include <sys/mman.h>

#include <cstring>
#include <memory>
#include <stdexcept>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

namespace gesso::io {

namespace {

constexpr size_t kHugePage = size_t(2) << 20;
constexpr size_t kHugeThreshold = size_t(4) << 20;

void halfToFloatScalar(const uint16_t* src, float* dst, size_t n) {
    const c10::Half* h = reinterpret_cast<const c10::Half*>(src);
    for (size_t i = 0; i < n; ++i)
        dst[i] = static_cast<float>(h[i]);
}

#if defined(__x86_64__)
__attribute__((target("avx,f16c"))) void halfToFloatF16c(const uint16_t* src, float* dst, size_t n) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
        const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i + 8));
        _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(a));
        _mm256_storeu_ps(dst + i + 8, _mm256_cvtph_ps(b));
    }
    halfToFloatScalar(src + i, dst + i, n - i);
}
#endif

void halfToFloat(const uint16_t* src, float* dst, size_t n) {
#if defined(__x86_64__)
    static const bool f16c = [] {
        unsigned a = 0, b = 0, c = 0, d = 0;
        if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
        const bool avx = (c & bit_AVX) && (c & bit_OSXSAVE);
        return avx && (c & bit_F16C);
    }();
    if (f16c) return halfToFloatF16c(src, dst, n);
#endif
    halfToFloatScalar(src, dst, n);
}

void bfloatToFloat(const uint16_t* src, float* dst, size_t n) {
    uint32_t* out = reinterpret_cast<uint32_t*>(dst);
    for (size_t i = 0; i < n; ++i)
        out[i] = uint32_t(src[i]) << 16; // vectorised by the compiler
}

// A 2 MiB-aligned anonymous mapping of at least `bytes`, advised to use huge pages; null if mmap fails.
std::shared_ptr<uint8_t> hugePageMapping(size_t bytes) {
    const size_t length = (bytes + kHugePage - 1) / kHugePage * kHugePage + kHugePage;
    void* base = ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) return nullptr;
    const uintptr_t aligned = (reinterpret_cast<uintptr_t>(base) + kHugePage - 1) / kHugePage * kHugePage;
    ::madvise(reinterpret_cast<void*>(aligned), length - (aligned - reinterpret_cast<uintptr_t>(base)),
              MADV_HUGEPAGE);
    return std::shared_ptr<uint8_t>(reinterpret_cast<uint8_t*>(aligned),
                                    [base, length](uint8_t*) { ::munmap(base, length); });
}

} // namespace

torch::Tensor allocateWeight(const std::vector<int64_t>& shape, torch::ScalarType dtype) {
    const auto options = torch::TensorOptions().dtype(dtype);
    const size_t bytes = size_t(c10::multiply_integers(shape)) * c10::elementSize(dtype);
    if (bytes < kHugeThreshold) return torch::empty(shape, options);
    std::shared_ptr<uint8_t> mapping = hugePageMapping(bytes);
    if (!mapping) return torch::empty(shape, options);
    return torch::from_blob(
        mapping.get(), shape, [mapping](void*) mutable { mapping.reset(); }, options);
}

std::vector<torch::Tensor> allocateWeights(const std::vector<std::vector<int64_t>>& shapes,
                                           torch::ScalarType dtype) {
    constexpr size_t kAlign = 64;
    const auto options = torch::TensorOptions().dtype(dtype);
    std::vector<size_t> offsets;
    size_t total = 0;
    for (const auto& shape : shapes) {
        offsets.push_back(total);
        total +=
            (size_t(c10::multiply_integers(shape)) * c10::elementSize(dtype) + kAlign - 1) / kAlign * kAlign;
    }
    std::vector<torch::Tensor> tensors;
    std::shared_ptr<uint8_t> arena = total >= kHugeThreshold ? hugePageMapping(total) : nullptr;
    for (size_t i = 0; i < shapes.size(); ++i)
        tensors.push_back(arena ? torch::from_blob(
                                      arena.get() + offsets[i], shapes[i],
                                      [arena](void*) mutable { arena.reset(); }, options)
                                : torch::empty(shapes[i], options));
    return tensors;
}

void convertToFloat(const void* src, torch::ScalarType srcType, float* dst, size_t n) {
    switch (srcType) {
    case torch::kFloat16:
        halfToFloat(static_cast<const uint16_t*>(src), dst, n);
        break;
    case torch::kBFloat16:
        bfloatToFloat(static_cast<const uint16_t*>(src), dst, n);
        break;
    case torch::kFloat32:
        std::memcpy(dst, src, n * sizeof(float));
        break;
    default:
        throw std::invalid_argument("convertToFloat: unsupported source type");
    }
}

void convertInto(const torch::Tensor& src, torch::Tensor& dst) {
    const bool simple = src.is_contiguous() && dst.is_contiguous() && src.device().is_cpu() &&
                        dst.device().is_cpu() && src.numel() == dst.numel();
    if (simple && dst.scalar_type() == torch::kFloat32 && src.scalar_type() == torch::kFloat16) {
        halfToFloat(static_cast<const uint16_t*>(src.data_ptr()), dst.data_ptr<float>(), size_t(src.numel()));
    } else if (simple && dst.scalar_type() == torch::kFloat32 && src.scalar_type() == torch::kBFloat16) {
        bfloatToFloat(static_cast<const uint16_t*>(src.data_ptr()), dst.data_ptr<float>(),
                      size_t(src.numel()));
    } else if (simple && dst.scalar_type() == src.scalar_type()) {
        std::memcpy(dst.data_ptr(), src.data_ptr(), size_t(src.numel()) * src.element_size());
    } else {
        dst.copy_(src.reshape(dst.sizes()));
    }
}

} // namespace gesso::io
