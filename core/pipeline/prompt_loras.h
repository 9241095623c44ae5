#pragma once
// The prompt's <lora:...> tags made real before its text is encoded: names resolved through the request's
// LoRA paths as AUTOMATIC1111 resolves them, and the loaded model's weights brought to exactly that set
// (core/lora/lora_patcher.h: originals kept, so a change or removal never re-reads the checkpoint).
#include "core/generation/generation.h"
#include "core/pipeline/model_bundle.h"
#include "core/pipeline/network_hashes.h"

#include <string>
#include <vector>

namespace gesso::pipeline {

// Applies the LoRAs of request.prompt (none in plain-prompt mode) to `bundle`, restoring its original
// weights when there are none. A name that no file matches goes to result.skipped and the generation goes on
// without it (as the webui does); a file that cannot be used (unreadable, another model family) throws
// gesso::Error and leaves the weights as they were. Returns the "Lora hashes" infotext value ("" when no
// LoRA was applied).
std::string applyPromptLoras(ModelBundle& bundle, const generation::GenerationRequest& request,
                             NetworkHashes& hashes, generation::GenerationResult& result);

} // namespace gesso::pipeline
