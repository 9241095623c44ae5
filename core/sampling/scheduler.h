#pragma once
// Denoising schedulers reproducing diffusers 0.27.2 exactly: the same timesteps, sigmas and float32
// update arithmetic (scalars are kept as float32 0-dim tensors, as diffusers keeps them, so the rounding
// matches). Usage, as the diffusers pipelines do:
//   setTimesteps(n); x = noise * initNoiseSigma();
//   for i in [begin, timesteps().size()): x = step(model(scaleModelInput(x, i), timesteps()[i]), i, x, noise)
// `i` is the index into timesteps() (img2img starts part-way). Not thread-safe; one loop at a time.
#include "core/sampling/noise_source.h"
#include "core/sampling/scheduler_config.h"

#include <torch/types.h>

#include <memory>
#include <vector>

namespace gesso::sampling {

class Scheduler {
public:
    explicit Scheduler(SchedulerConfig config);
    virtual ~Scheduler() = default;

    const SchedulerConfig& config() const { return m_config; }
    // alphas_cumprod [numTrainTimesteps] float32, as diffusers' __init__ computes it.
    const torch::Tensor& alphasCumprod() const { return m_alphasCumprod; }

    // Resets all multistep state. Throws gesso::Error for step counts the scheduler cannot do.
    virtual void setTimesteps(int steps) = 0;
    // The timesteps given to the model (float for Euler-type schedulers, integral otherwise).
    const std::vector<double>& timesteps() const { return m_timesteps; }
    // float32 sigma schedule incl. the final entry (Euler/DPM); empty for alpha-based schedulers.
    const torch::Tensor& sigmas() const { return m_sigmas; }
    int inferenceSteps() const { return m_inferenceSteps; }
    // diffusers `scheduler.order`: model calls per logical step (DPM-SDE: 2). img2img skips t_start * order.
    virtual int order() const { return 1; }
    virtual double initNoiseSigma() const { return 1.0; }

    virtual torch::Tensor scaleModelInput(const torch::Tensor& sample, size_t /*index*/) const {
        return sample;
    }
    // One update from timesteps()[index]; returns the previous (less noisy) sample.
    virtual torch::Tensor step(const torch::Tensor& modelOutput, size_t index, const torch::Tensor& sample,
                               NoiseSource& noise) = 0;
    // The clean-sample estimate of the last step() (x0), for previews. Undefined before the first step.
    const torch::Tensor& predictedOriginal() const { return m_predictedOriginal; }
    // Forward diffusion of `original` to the noise level of timesteps()[index] (img2img start, inpaint
    // blend).
    virtual torch::Tensor addNoise(const torch::Tensor& original, const torch::Tensor& noise,
                                   size_t index) const;

protected:
    // Epsilon/v/sample prediction -> x0 for the alpha parameterisation at integer timestep t.
    torch::Tensor alphaAt(int64_t timestep) const; // 0-dim float32; timestep < 0 -> final alpha
    int64_t intTimestep(size_t index) const;
    void checkIndex(size_t index) const;

    SchedulerConfig m_config;
    torch::Tensor m_betas;         // float32 [N]
    torch::Tensor m_alphasCumprod; // float32 [N]
    torch::Tensor m_finalAlphaCumprod;
    std::vector<double> m_timesteps;
    torch::Tensor m_sigmas;
    int m_inferenceSteps = 0;
    torch::Tensor m_predictedOriginal;
};

std::unique_ptr<Scheduler> makeScheduler(const SchedulerConfig& config);

} // namespace gesso::sampling
