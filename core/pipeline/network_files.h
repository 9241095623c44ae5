#pragma once
// Finding the files that a prompt's <lora:NAME> tags and embedding trigger words name, as AUTOMATIC1111
// does: NAME is a file's name without its extension (case-sensitive, as the webui's dictionary lookup is),
// or a LoRA's `ss_output_name` alias from its safetensors metadata.
#include "core/lora/lora_patcher.h"
#include "core/text/prompt_parser.h"

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace gesso::pipeline {

class NetworkFiles {
public:
    // `paths`: files, or folders listed recursively for .safetensors, .pt, .ckpt and .bin files. Paths that
    // do not exist are skipped; a name found again (a later path, or later in sorted order) replaces the
    // earlier file, as the webui's later registration does.
    explicit NetworkFiles(const std::vector<std::string>& paths);

    // The file named `name`: by stem first, then by the `ss_output_name` of a safetensors file.
    std::optional<std::filesystem::path> find(const std::string& name) const;
    // A message for a name that was not found: it says which folders were searched and, when a file differs
    // only in case, names it (the webui would not find it either).
    std::string notFoundMessage(const std::string& kind, const std::string& name) const;
    const std::map<std::string, std::filesystem::path>& byStem() const { return m_byStem; }

private:
    std::map<std::string, std::filesystem::path> m_byStem;
    std::vector<std::string> m_searched;
};

// The prompt's <lora:...> tags resolved through `paths`; each name that no file has adds
// notFoundMessage("LoRA", name) to `notFound` and is left out (the generation goes on without it).
std::vector<lora::LoraUse> resolveLoraTags(const std::vector<text::LoraTag>& tags,
                                           const std::vector<std::string>& paths,
                                           std::vector<std::string>& notFound);

} // namespace gesso::pipeline
