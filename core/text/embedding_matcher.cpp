#include "core/text/embedding_matcher.h"

#include "core/runtime/error.h"

#include <algorithm>

namespace gesso::text {

namespace {

std::string widthText(const std::vector<int64_t>& widths) {
    std::string s;
    int64_t sum = 0;
    for (size_t i = 0; i < widths.size(); ++i) {
        s += (i ? " + " : "") + std::to_string(widths[i]);
        sum += widths[i];
    }
    return widths.size() > 1 ? std::to_string(sum) + " (" + s + ")" : s;
}

// Why `v` does not fit a model with these encoder widths; empty when it fits.
std::string misfit(const EmbeddingVectors& v, const std::vector<int64_t>& widths) {
    if (v.isPair()) {
        if (widths.size() == 2 && v.clipL.size(1) == widths[0] && v.clipG.size(1) == widths[1]) return {};
        return "has vector width " + std::to_string(v.width()) + " (clip_l " +
               std::to_string(v.clipL.size(1)) + " + clip_g " + std::to_string(v.clipG.size(1)) +
               "), the model's text " + (widths.size() == 1 ? "encoder takes " : "encoders take ") +
               widthText(widths);
    }
    if (widths.size() == 1 && v.width() == widths[0]) return {};
    if (widths.size() > 1)
        return "has vector width " + std::to_string(v.width()) +
               " in one tensor; the model's two text encoders (" + widthText(widths) +
               ") need an SDXL embedding with clip_l and clip_g";
    return "has vector width " + std::to_string(v.width()) + ", the model's text encoder takes " +
           widthText(widths);
}

} // namespace

EmbeddingMatcher::EmbeddingMatcher(std::shared_ptr<const EmbeddingLibrary> library,
                                   const ClipTokenizer& tokenizer, std::vector<int64_t> encoderWidths)
    : m_library(std::move(library)), m_widths(std::move(encoderWidths)) {
    if (!m_library) return;
    for (const auto& name : m_library->names()) {
        auto ids = tokenizer.encode(name);
        if (ids.empty()) continue;
        m_byFirstId[ids.front()].push_back({std::move(ids), name});
    }
    // Longest first; equal lengths in name order (the webui's order there is its folder walk's).
    for (auto& [id, list] : m_byFirstId)
        std::stable_sort(list.begin(), list.end(),
                         [](const Candidate& a, const Candidate& b) { return a.ids.size() > b.ids.size(); });
}

std::shared_ptr<const LoadedEmbedding> EmbeddingMatcher::usable(const std::string& name) {
    if (auto it = m_checked.find(name); it != m_checked.end()) return it->second;
    std::shared_ptr<const LoadedEmbedding> loaded;
    try {
        loaded = m_library->load(name);
        const std::string why = misfit(loaded->vectors, m_widths);
        if (!why.empty()) {
            m_warnings.push_back("embedding '" + name + "' ('" + loaded->file.string() + "') " + why +
                                 ": skipped, the word stays plain text");
            loaded.reset();
        }
    } catch (const Error& e) {
        m_warnings.push_back("embedding '" + name + "' skipped, the word stays plain text: " + e.what());
    }
    m_checked.emplace(name, loaded);
    return loaded;
}

std::optional<EmbeddingMatch> EmbeddingMatcher::matchAt(const std::vector<int64_t>& tokens, size_t position) {
    if (position >= tokens.size()) return std::nullopt;
    auto it = m_byFirstId.find(tokens[position]);
    if (it == m_byFirstId.end()) return std::nullopt;
    for (const auto& candidate : it->second) {
        const size_t n = candidate.ids.size();
        if (tokens.size() - position < n || !std::equal(candidate.ids.begin(), candidate.ids.end(),
                                                        tokens.begin() + std::ptrdiff_t(position)))
            continue;
        auto embedding = usable(candidate.name);
        if (!embedding) continue;
        UsedEmbedding used{candidate.name, embedding->file, embedding->shortHash};
        if (std::find(m_used.begin(), m_used.end(), used) == m_used.end()) m_used.push_back(used);
        return EmbeddingMatch{candidate.name, embedding, n};
    }
    return std::nullopt;
}

} // namespace gesso::text
