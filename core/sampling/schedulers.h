#pragma once
// The concrete schedulers (one diffusers class each). Use makeScheduler(); these are exposed for tests.
#include "core/sampling/euler_family_schedule.h"
#include "core/sampling/scheduler.h"

namespace gesso::sampling {

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

// The k-diffusion-style schedulers (diffusers' Euler, Euler a, Heun, LMS, DPM2, DPM2 a): latents at VE scale,
// init_noise_sigma from the sigmas, add_noise = x + sigma * noise at sigmas()[index].
class SigmaSpaceScheduler : public Scheduler {
public:
    using Scheduler::Scheduler;
    double initNoiseSigma() const override;
    // sample / sqrt(sigma^2 + 1) at sigmas()[index].
    torch::Tensor scaleModelInput(const torch::Tensor& sample, size_t index) const override;
    torch::Tensor addNoise(const torch::Tensor& original, const torch::Tensor& noise,
                           size_t index) const override;

protected:
    // x0 from the model output at noise level `sigma` (epsilon, v_prediction or sample).
    torch::Tensor predictOriginal(const torch::Tensor& modelOutput, const torch::Tensor& sample,
                                  const torch::Tensor& sigma) const;
    static torch::Tensor scaleBySigma(const torch::Tensor& sample, const torch::Tensor& sigma);
};

class EulerScheduler final : public SigmaSpaceScheduler {
public:
    EulerScheduler(SchedulerConfig config, bool ancestral);
    void setTimesteps(int steps) override;
    torch::Tensor step(const torch::Tensor& modelOutput, size_t index, const torch::Tensor& sample,
                       NoiseSource& noise) override;

private:
    bool m_ancestral;
};

// HeunDiscreteScheduler: two model calls per step (an Euler step, then the trapezoidal correction at the
// step's end), the last step Euler only: timesteps() = [t0, t1, t1, ..., t(n-1), t(n-1)] (2n - 1).
class HeunScheduler final : public SigmaSpaceScheduler {
public:
    explicit HeunScheduler(SchedulerConfig config);
    void setTimesteps(int steps) override;
    int order() const override { return 2; }
    torch::Tensor step(const torch::Tensor& modelOutput, size_t index, const torch::Tensor& sample,
                       NoiseSource& noise) override;

private:
    torch::Tensor m_prevDerivative, m_dt, m_firstStageSample; // set between the two calls of a step
};

// LMSDiscreteScheduler: linear multistep of order 4 over the past derivatives, with coefficients the
// integrals of the Lagrange basis over [sigma_i, sigma_i+1].
class LmsScheduler final : public SigmaSpaceScheduler {
public:
    explicit LmsScheduler(SchedulerConfig config);
    void setTimesteps(int steps) override;
    torch::Tensor step(const torch::Tensor& modelOutput, size_t index, const torch::Tensor& sample,
                       NoiseSource& noise) override;
    // The integral over [sigma_t, sigma_t+1] of the Lagrange basis polynomial `current` of the `order`
    // points sigma_t, sigma_t-1, ..., sigma_t-order+1 (sigmas() values).
    double lmsCoefficient(int order, int t, int current) const;

private:
    std::vector<double> m_sigmaValues;
    std::vector<torch::Tensor> m_derivatives; // oldest first, at most 4
};

// KDPM2DiscreteScheduler (DPM2) and KDPM2AncestralDiscreteScheduler (DPM2 a): a first call at sigma_i, a
// second at the log-midpoint towards sigma_i+1 (ancestral: towards sigma_down, then noise * sigma_up), so
// 2n - 1 model calls; the last step Euler only. DPM2 a draws a noise tensor at every call (as diffusers
// does) and uses the second call's.
class KDpm2Scheduler final : public SigmaSpaceScheduler {
public:
    KDpm2Scheduler(SchedulerConfig config, bool ancestral);
    void setTimesteps(int steps) override;
    int order() const override { return 2; }
    torch::Tensor scaleModelInput(const torch::Tensor& sample, size_t index) const override;
    torch::Tensor step(const torch::Tensor& modelOutput, size_t index, const torch::Tensor& sample,
                       NoiseSource& noise) override;

private:
    bool m_ancestral;
    // Per timestep index, as diffusers interleaves them: midpoint sigmas, and for DPM2 a the ancestral split.
    torch::Tensor m_sigmasInterpol, m_sigmasUp, m_sigmasDown;
    torch::Tensor m_firstStageSample; // set between the two calls of a step
};

// DDPMScheduler (ancestral sampling of Ho et al.): one draw per step while t > 0.
class DdpmScheduler final : public Scheduler {
public:
    explicit DdpmScheduler(SchedulerConfig config);
    void setTimesteps(int steps) override;
    torch::Tensor step(const torch::Tensor& modelOutput, size_t index, const torch::Tensor& sample,
                       NoiseSource& noise) override;
};

// UniPCMultistepScheduler: UniP predictor + UniC corrector (bh1/bh2), latents at VP scale like DPM-Solver.
class UniPcScheduler final : public Scheduler {
public:
    explicit UniPcScheduler(SchedulerConfig config);
    void setTimesteps(int steps) override;
    torch::Tensor step(const torch::Tensor& modelOutput, size_t index, const torch::Tensor& sample,
                       NoiseSource& noise) override;
    torch::Tensor addNoise(const torch::Tensor& original, const torch::Tensor& noise,
                           size_t index) const override;

private:
    torch::Tensor convertModelOutput(const torch::Tensor& modelOutput, size_t index,
                                     const torch::Tensor& sample) const;
    struct StepTerms;
    StepTerms stepTerms(int64_t tIndex, int order) const;
    torch::Tensor update(const StepTerms& terms, const torch::Tensor& x, const torch::Tensor& residual) const;
    torch::Tensor predictor(const torch::Tensor& sample, size_t index, int order) const;
    torch::Tensor corrector(const torch::Tensor& modelT, const torch::Tensor& lastSample, size_t index,
                            int order) const;
    std::vector<torch::Tensor> m_modelOutputs; // the last solver_order converted outputs, newest last
    torch::Tensor m_lastSample;
    int m_lowerOrderNums = 0;
    int m_thisOrder = 1;
};

} // namespace gesso::sampling
