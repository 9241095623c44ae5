#pragma once
// The pipeline speaks the generation contract's types (core/generation) by their plain names.
#include "core/generation/generation.h"

namespace gesso::pipeline {

using generation::GeneratedImage;
using generation::GenerationRequest;
using generation::GenerationResult;
using generation::GenerationSettings;
using generation::Mode;
using generation::Progress;
using generation::ProgressCallback;

} // namespace gesso::pipeline
