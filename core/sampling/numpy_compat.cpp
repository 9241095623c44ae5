#include "core/sampling/numpy_compat.h"

#include <algorithm>
#include <cfenv>
#include <cmath>

namespace gesso::sampling::np {

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
            out[i] = step == 0.0 ? (i / double(div)) * delta + start : i * step + start;
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
                double r = slope * (xv - double(j)) + fp[j];
                if (std::isnan(r)) r = slope * (xv - double(j + 1)) + fp[j + 1];
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
        out.push_back(std::pow(maxInvRho + r * (minInvRho - maxInvRho), rho));
    return out;
}

double sigmaToT(double sigma, const std::vector<float>& logSigmas) {
    const double logSigma = std::log(std::max(sigma, 1e-10));
    const long n = static_cast<long>(logSigmas.size());
    // low_idx = cumsum(dists >= 0).argmax() (first index reaching the maximum count), clipped to n - 2.
    long count = 0, best = -1, lowIdx = 0;
    for (long i = 0; i < n; ++i) {
        if (logSigma - double(logSigmas[i]) >= 0) ++count;
        if (count > best) {
            best = count;
            lowIdx = i;
        }
    }
    lowIdx = std::min(lowIdx, n - 2);
    const long highIdx = lowIdx + 1;
    const double low = logSigmas[lowIdx], high = logSigmas[highIdx];
    double w = (low - logSigma) / (low - high);
    w = std::clamp(w, 0.0, 1.0);
    return (1.0 - w) * double(lowIdx) + w * double(highIdx);
}

float toFloat(double x) {
    return static_cast<float>(x);
}

} // namespace gesso::sampling::np
