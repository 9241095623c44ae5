#pragma once
// The few numpy routines diffusers' set_timesteps uses, with numpy's exact semantics (float64 arithmetic,
// round-half-to-even, np.interp's formula), so the C++ timesteps and sigmas equal the reference bit for bit.
#include <vector>

namespace gesso::sampling::np {

std::vector<double> linspace(double start, double stop, int num, bool endpoint = true);
std::vector<double> arange(double start, double stop, double step);
double round(double x); // half to even, like np.round
std::vector<double> round(std::vector<double> v);
std::vector<double> reversed(std::vector<double> v);
// np.interp(x, arange(fp.size()), fp)
std::vector<double> interp(const std::vector<double>& x, const std::vector<double>& fp);
// Karras et al. sigmas: (max^(1/rho) + ramp * (min^(1/rho) - max^(1/rho)))^rho, rho = 7
std::vector<double> karrasSigmas(double sigmaMin, double sigmaMax, int steps);
// NumPy 1.24's float32 `np.log` as its AVX2/AVX512F loop computes it on x86-64 (the reference machine):
// frexp-style range reduction, a 5/5 rational Remez approximation of log(1+x) with fused multiply-adds,
// + k*ln2. Not correctly rounded (<= 3.83 ulp): diffusers' log-sigma tables depend on exactly these bits.
float logFloat32(float x);
// logFloat32 of each entry (the `log_sigmas = np.log(sigmas)` of diffusers' set_timesteps).
std::vector<float> logFloat32(const std::vector<float>& x);

// diffusers `_sigma_to_t` under NumPy 1.24's value-based casting: the fractional timestep of `sigma` on
// the float32 log-sigma table `logSigmas`. The log is taken in float64 and rounded to float32; the lookup
// and weight are float32 arithmetic; the final interpolation `(1 - w) * lo + w * hi` is float64 (numpy
// arrays) and callers store float32 or round it.
double sigmaToT(double sigma, const std::vector<float>& logSigmas);
// The same where diffusers passes torch tensors (DPM2 midpoints): the final interpolation is float32 too,
// and so is the result. (np.maximum of a float32 0-d tensor and a Python float is float64 in NumPy 1.x,
// so the log is still a float64 one.)
float sigmaToTTorch(float sigma, const std::vector<float>& logSigmas);
float toFloat(double x);

} // namespace gesso::sampling::np
