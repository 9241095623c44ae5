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
// diffusers `_sigma_to_t`: fractional timestep of `sigma` on the log-sigma table (float32 values).
double sigmaToT(double sigma, const std::vector<float>& logSigmas);
float toFloat(double x);

} // namespace gesso::sampling::np
