#pragma once
// One detector per kind of file. Each returns nullopt when the keys are not of its kind, so that
// classifyTensors can try them in turn; a detector that recognises its kind but not the family returns the
// kind with an empty family and the reason.
#include "core/library/model_kind.h"
#include "core/library/tensor_listing.h"

#include <optional>

namespace gesso::library {

std::optional<Classification> detectCheckpoint(const TensorListing& listing);
std::optional<Classification> detectLora(const TensorListing& listing);
std::optional<Classification> detectEmbedding(const TensorListing& listing);
std::optional<Classification> detectTaesd(const TensorListing& listing);
std::optional<Classification> detectVae(const TensorListing& listing);
std::optional<Classification> detectUpscaler(const TensorListing& listing);

} // namespace gesso::library
