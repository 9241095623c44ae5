#include "core/sampling/numpy_compat.h"

#include <algorithm>
#include <cfenv>
#include <cmath>

namespace gesso::sampling::np {

namespace {

// numpy evaluates `a * b + c` over arrays as two separately rounded operations; a compiler allowed to
// contract floating-point expressions (-ffp-contract=fast with FMA) would fuse them into one.
double unfused(double x) {
    volatile double stored = x;
    return stored;
}

// NumPy 1.24 npy_simd_data.h: NPY_COEFF_{P,Q}{0..5}_LOGf (P0 = 0).
constexpr float kLogP[] = {0.0f,
                           9.999999999999998702752e-01f,
                           2.112677543073053063722e+00f,
                           1.480000633576506585156e+00f,
                           3.808837741388407920751e-01f,
                           2.589979117907922693523e-02f};
constexpr float kLogQ[] = {1.0f,
                           2.612677543073109236779e+00f,
                           2.453006071784736363091e+00f,
                           9.864942958519418960339e-01f,
                           1.546476374983906719538e-01f,
                           5.875095403124574342950e-03f};

struct SigmaToTWeights {
    long lowIdx;
    float w;
};

// low_idx = cumsum(dists >= 0).argmax(): the last entry <= logSigma (0 if none), clipped to n - 2;
// dists = logSigma - table is float32 subtraction, whose sign is that of the comparison. Then the float32
// weight w = clip((low - logSigma) / (low - high), 0, 1).
SigmaToTWeights sigmaToTWeights(float logSigma, const std::vector<float>& logSigmas) {
    const long n = static_cast<long>(logSigmas.size());
    long lowIdx = 0;
    for (long i = 0; i < n; ++i)
        if (logSigma >= logSigmas[i]) lowIdx = i;
    lowIdx = std::min(lowIdx, n - 2);
    const float low = logSigmas[lowIdx], high = logSigmas[lowIdx + 1];
    const float numerator = low - logSigma;
    const float denominator = low - high;
    const float w = numerator / denominator;
    return {lowIdx, std::clamp(w, 0.0f, 1.0f)};
}

float logSigmaFloat32(double sigma) {
    return static_cast<float>(std::log(std::max(sigma, 1e-10)));
}

} // namespace

std::vector<double> linspace(double start, double stop, int num, bool endpoint) {
    // numpy: step = (stop - start) / div; y = arange(num) * step + start; last = stop when endpoint.
    std::vector<double> out;
    if (num <= 0) return out;
    const int div = endpoint ? num - 1 : num;
    const double delta = stop - start;
    out.resize(num);
    if (div > 0) {
        const double step = delta / div;
        for (int i = 0; i < num; ++i)
            out[i] = step == 0.0 ? unfused((i / double(div)) * delta) + start : unfused(i * step) + start;
    } else {
        out[0] = start;
    }
    if (endpoint && num > 1) out[num - 1] = stop;
    return out;
}

std::vector<double> arange(double start, double stop, double step) {
    std::vector<double> out;
    const auto n = static_cast<long>(std::ceil((stop - start) / step));
    for (long i = 0; i < n; ++i)
        out.push_back(start + i * step);
    return out;
}

double round(double x) {
    return std::nearbyint(x); // default rounding mode: to nearest, ties to even (np.round with 0 decimals)
}

std::vector<double> round(std::vector<double> v) {
    for (auto& x : v)
        x = round(x);
    return v;
}

std::vector<double> reversed(std::vector<double> v) {
    std::reverse(v.begin(), v.end());
    return v;
}

std::vector<double> interp(const std::vector<double>& x, const std::vector<double>& fp) {
    std::vector<double> out;
    out.reserve(x.size());
    const auto n = static_cast<long>(fp.size());
    for (double xv : x) {
        if (std::isnan(xv)) {
            out.push_back(xv);
        } else if (xv <= 0.0) {
            out.push_back(fp.front());
        } else if (xv >= double(n - 1)) {
            out.push_back(fp.back());
        } else {
            const long j = static_cast<long>(std::floor(xv));
            if (xv == double(j)) {
                out.push_back(fp[j]);
            } else {
                const double slope = (fp[j + 1] - fp[j]) / 1.0;
                double r = unfused(slope * (xv - double(j))) + fp[j];
                if (std::isnan(r)) r = unfused(slope * (xv - double(j + 1))) + fp[j + 1];
                out.push_back(r);
            }
        }
    }
    return out;
}

std::vector<double> karrasSigmas(double sigmaMin, double sigmaMax, int steps) {
    const double rho = 7.0;
    const auto ramp = linspace(0.0, 1.0, steps);
    const double minInvRho = std::pow(sigmaMin, 1.0 / rho);
    const double maxInvRho = std::pow(sigmaMax, 1.0 / rho);
    std::vector<double> out;
    for (double r : ramp)
        out.push_back(std::pow(maxInvRho + unfused(r * (minInvRho - maxInvRho)), rho));
    return out;
}

float logFloat32(float x) {
    if (!(x > 0.0f) || std::isinf(x)) return std::log(x); // NaN, -inf at 0, NaN below, inf (as numpy)
    int exponent = 0;
    float m = std::frexp(x, &exponent); // x = m * 2^exponent, m in [0.5, 1): AVX512 getmant/getexp + 1
    float e = float(exponent);
    if (m <= 0.707106781186547524400844362104849039f) {
        m = m + m;
        e = e - 1.0f;
    }
    const float y = m - 1.0f;
    float num = std::fmaf(kLogP[5], y, kLogP[4]);
    float den = std::fmaf(kLogQ[5], y, kLogQ[4]);
    for (int i = 3; i >= 0; --i) {
        num = std::fmaf(num, y, kLogP[i]);
        den = std::fmaf(den, y, kLogQ[i]);
    }
    return std::fmaf(e, 0.693147180559945309417232121458176568f, num / den);
}

std::vector<float> logFloat32(const std::vector<float>& x) {
    std::vector<float> out;
    out.reserve(x.size());
    for (float v : x)
        out.push_back(logFloat32(v));
    return out;
}

double sigmaToT(double sigma, const std::vector<float>& logSigmas) {
    const auto [lowIdx, w] = sigmaToTWeights(logSigmaFloat32(sigma), logSigmas);
    const float oneMinusW = 1.0f - w;
    return unfused(double(oneMinusW) * double(lowIdx)) + unfused(double(w) * double(lowIdx + 1));
}

float sigmaToTTorch(float sigma, const std::vector<float>& logSigmas) {
    const auto [lowIdx, w] = sigmaToTWeights(logSigmaFloat32(sigma), logSigmas);
    const float oneMinusW = 1.0f - w;
    const float low = oneMinusW * float(lowIdx);
    const float high = w * float(lowIdx + 1);
    return low + high;
}

float toFloat(double x) {
    return static_cast<float>(x);
}

} // namespace gesso::sampling::np
