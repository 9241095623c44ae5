#pragma once
// The concrete schedulers (one diffusers class each). Use makeScheduler(); these are exposed for tests.
#include "core/sampling/scheduler.h"

namespace gesso::sampling {

struct SigmaSchedule {
    std::vector<double> timesteps; // float32 values
    torch::Tensor sigmas;          // float32 [n + 1], last = 0
};
// Euler-family set_timesteps (spacing, np.interp of the float32 sigma table, optional Karras).
SigmaSchedule sigmaSchedule(const SchedulerConfig& config, const torch::Tensor& alphasCumprod, int steps,
                            bool allowKarras);
// The sigma-space schedulers' init_noise_sigma: max sigma for linspace/trailing spacing, else sqrt(max^2 +
// 1); 1 before setTimesteps.
double sigmaInitNoise(const SchedulerConfig& config, const torch::Tensor& sigmas);

class DdimScheduler final : public Scheduler {
public:
    explicit DdimScheduler(SchedulerConfig config);
    void setTimesteps(int steps) override;
    torch::Tensor step(const torch::Tensor& modelOutput, size_t index, const torch::Tensor& sample,
                       NoiseSource& noise) override;
};

class PndmScheduler final : public Scheduler {
public:
    explicit PndmScheduler(SchedulerConfig config);
    void setTimesteps(int steps) override;
    torch::Tensor step(const torch::Tensor& modelOutput, size_t index, const torch::Tensor& sample,
                       NoiseSource& noise) override;

private:
    std::vector<torch::Tensor> m_ets;
    int m_counter = 0;
    torch::Tensor m_curSample;
};

class EulerScheduler final : public Scheduler {
public:
    EulerScheduler(SchedulerConfig config, bool ancestral);
    void setTimesteps(int steps) override;
    double initNoiseSigma() const override;
    torch::Tensor scaleModelInput(const torch::Tensor& sample, size_t index) const override;
    torch::Tensor step(const torch::Tensor& modelOutput, size_t index, const torch::Tensor& sample,
                       NoiseSource& noise) override;
    torch::Tensor addNoise(const torch::Tensor& original, const torch::Tensor& noise,
                           size_t index) const override;

private:
    torch::Tensor predictOriginal(const torch::Tensor& modelOutput, const torch::Tensor& sample,
                                  const torch::Tensor& sigma) const;
    bool m_ancestral;
};

class DpmMultistepScheduler final : public Scheduler {
public:
    explicit DpmMultistepScheduler(SchedulerConfig config);
    void setTimesteps(int steps) override;
    torch::Tensor step(const torch::Tensor& modelOutput, size_t index, const torch::Tensor& sample,
                       NoiseSource& noise) override;
    torch::Tensor addNoise(const torch::Tensor& original, const torch::Tensor& noise,
                           size_t index) const override;

private:
    torch::Tensor convertModelOutput(const torch::Tensor& modelOutput, size_t index,
                                     const torch::Tensor& sample) const;
    std::vector<torch::Tensor> m_modelOutputs;
    int m_lowerOrderNums = 0;
};

class DpmSdeScheduler final : public Scheduler {
public:
    explicit DpmSdeScheduler(SchedulerConfig config);
    void setTimesteps(int steps) override;
    int order() const override { return 2; }
    double initNoiseSigma() const override;
    torch::Tensor scaleModelInput(const torch::Tensor& sample, size_t index) const override;
    torch::Tensor step(const torch::Tensor& modelOutput, size_t index, const torch::Tensor& sample,
                       NoiseSource& noise) override;
    torch::Tensor addNoise(const torch::Tensor& original, const torch::Tensor& noise,
                           size_t index) const override;

private:
    torch::Tensor m_firstStageSample;
    torch::Tensor m_midPointSigma;
};

class LcmScheduler final : public Scheduler {
public:
    explicit LcmScheduler(SchedulerConfig config);
    void setTimesteps(int steps) override;
    torch::Tensor step(const torch::Tensor& modelOutput, size_t index, const torch::Tensor& sample,
                       NoiseSource& noise) override;
};

} // namespace gesso::sampling
