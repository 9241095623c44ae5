#pragma once
// Kind and family from tensor names, shapes and safetensors metadata alone (never from the file's name or
// folder: a LoRA in a checkpoints folder is a LoRA).
#include "core/library/model_kind.h"
#include "core/library/tensor_listing.h"

namespace gesso::library {

// Never throws: what it cannot place is Kind::Unknown with the reason. `format` is taken from the listing.
Classification classifyTensors(const TensorListing& listing);

} // namespace gesso::library
