#include "core/pipeline/network_files.h"

#include "core/io/safetensors.h"

#include <algorithm>
#include <cctype>
#include <system_error>

namespace gesso::pipeline {
namespace {

bool isNetworkFile(const std::filesystem::path& p) {
    std::string ext = p.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    return ext == ".safetensors" || ext == ".pt" || ext == ".ckpt" || ext == ".bin";
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

} // namespace

NetworkFiles::NetworkFiles(const std::vector<std::string>& paths) {
    for (const auto& text : paths) {
        const std::filesystem::path path(text);
        std::error_code ec;
        if (std::filesystem::is_regular_file(path, ec)) {
            m_byStem.insert_or_assign(path.stem().string(), path);
            m_searched.push_back(path.parent_path().string());
            continue;
        }
        if (!std::filesystem::is_directory(path, ec)) continue;
        m_searched.push_back(text);
        std::vector<std::filesystem::path> found;
        for (auto it = std::filesystem::recursive_directory_iterator(
                 path, std::filesystem::directory_options::skip_permission_denied, ec);
             !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
            if (it->is_regular_file(ec) && isNetworkFile(it->path())) found.push_back(it->path());
        }
        std::sort(found.begin(), found.end());
        for (const auto& f : found)
            m_byStem.insert_or_assign(f.stem().string(), f);
    }
    std::sort(m_searched.begin(), m_searched.end());
    m_searched.erase(std::unique(m_searched.begin(), m_searched.end()), m_searched.end());
}

std::optional<std::filesystem::path> NetworkFiles::find(const std::string& name) const {
    if (auto it = m_byStem.find(name); it != m_byStem.end()) return it->second;
    for (const auto& [stem, file] : m_byStem) {
        if (file.extension() != ".safetensors") continue;
        try {
            const auto meta = io::SafetensorsFile::open(file).metadata();
            if (auto alias = meta.find("ss_output_name"); alias != meta.end() && alias->second == name)
                return file;
        } catch (const std::exception&) {
            // An unreadable file cannot be the one named; loading it by its own name reports the problem.
        }
    }
    return std::nullopt;
}

std::string NetworkFiles::notFoundMessage(const std::string& kind, const std::string& name) const {
    std::string message = "no " + kind + " named '" + name + "'";
    const auto sameButCase = std::find_if(m_byStem.begin(), m_byStem.end(), [&](const auto& entry) {
        return entry.first != name && lower(entry.first) == lower(name);
    });
    if (sameButCase != m_byStem.end()) {
        message += " (names are case-sensitive: did you mean '" + sameButCase->first + "'?)";
    } else if (m_searched.empty()) {
        message += " (no " + kind + " folder is set)";
    } else {
        message += " in ";
        for (size_t i = 0; i < m_searched.size() && i < 3; ++i)
            message += (i ? ", " : "") + m_searched[i];
        if (m_searched.size() > 3) message += " and " + std::to_string(m_searched.size() - 3) + " more";
    }
    return message + "; generating without it";
}

std::vector<lora::LoraUse> resolveLoraTags(const std::vector<text::LoraTag>& tags,
                                           const std::vector<std::string>& paths,
                                           std::vector<std::string>& notFound) {
    if (tags.empty()) return {};
    const NetworkFiles files(paths);
    std::vector<lora::LoraUse> uses;
    for (const auto& tag : tags) {
        if (auto file = files.find(tag.name))
            uses.push_back({*file, tag.name, tag.teMultiplier, tag.unetMultiplier});
        else
            notFound.push_back(files.notFoundMessage("LoRA", tag.name));
    }
    return uses;
}

} // namespace gesso::pipeline
