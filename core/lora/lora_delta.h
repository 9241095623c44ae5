#pragma once
// The weight difference an adapter module makes, as the webui's network_lora/hada/lokr/full.py compute it,
// in fp32 on the weight's device:
//   LoRA  up.reshape(out, -1) @ down.reshape(r, -1) (LoCon CP: einsum with lora_mid), reshaped to the weight;
//   LoHa  (w1a @ w1b) * (w2a @ w2b) (Tucker factor: einsum('ijkl,jr,ip->prkl', t, w_b, w_a));
//   LoKr  kron(w1, w2) with w1 = lokr_w1 or w1_a @ w1_b, w2 = lokr_w2, w2_a @ w2_b or Tucker (4-D w2: w1 as
//         [a, c, 1, 1]);
//   full  diff.
#include "core/lora/lora_format.h"

#include <optional>
#include <string>

namespace gesso::lora {

// The webui's rank: LoRA lora_down rows, LoHa hada_w1_b rows, LoKr lokr_w2_b rows, else lokr_w1_b rows, else
// none (LoKr with both factors full, full differences).
std::optional<int64_t> adapterRank(const AdapterModule& module);
// A stored scale, else alpha / rank, else 1 (no alpha, or no rank).
double adapterScale(const AdapterModule& module);

// Checks, from the factors' shapes alone, that the module makes a delta for a weight of `weightShape` (same
// output rows and element count: the webui reshapes, e.g. a 1x1-conv LoRA onto a Linear). Throws
// gesso::Error starting with `label` (rank mismatch between factors, a delta of another size, empty or
// misshapen factors). After it passes, addDelta cannot fail on shapes.
void checkDeltaShape(const AdapterModule& module, const std::vector<int64_t>& weightShape,
                     const std::string& label);

// weight32 += factor * delta, with one matmul for plain LoRA modules (addmm_). weight32: fp32, contiguous,
// the weight's shape; the factors fp32 on its device.
void addDelta(const AdapterModule& module, torch::Tensor& weight32, double factor);

} // namespace gesso::lora
