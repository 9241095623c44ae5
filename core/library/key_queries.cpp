#include "core/library/key_queries.h"

#include <algorithm>

namespace gesso::library {

bool hasKey(const io::ShapeMap& shapes, const std::string& key) {
    return shapes.count(key) != 0;
}

bool anyWithPrefix(const io::ShapeMap& shapes, std::string_view prefix) {
    auto it = shapes.lower_bound(std::string(prefix));
    return it != shapes.end() && std::string_view(it->first).substr(0, prefix.size()) == prefix;
}

bool allWithPrefix(const io::ShapeMap& shapes, std::string_view prefix) {
    return !shapes.empty() && std::all_of(shapes.begin(), shapes.end(), [&](const auto& entry) {
        return std::string_view(entry.first).substr(0, prefix.size()) == prefix;
    });
}

bool anyContaining(const io::ShapeMap& shapes, std::string_view part) {
    return std::any_of(shapes.begin(), shapes.end(),
                       [&](const auto& entry) { return entry.first.find(part) != std::string::npos; });
}

int64_t dimOf(const io::ShapeMap& shapes, const std::string& key, size_t index) {
    auto it = shapes.find(key);
    if (it == shapes.end() || it->second.size() <= index) return -1;
    return it->second[index];
}

io::ShapeMap stripPrefix(const io::ShapeMap& shapes, std::string_view prefix) {
    io::ShapeMap out;
    for (const auto& [key, shape] : shapes)
        if (std::string_view(key).substr(0, prefix.size()) == prefix) out[key.substr(prefix.size())] = shape;
    return out;
}

int maxIndexAfter(const io::ShapeMap& shapes, std::string_view prefix) {
    int best = -1;
    for (auto it = shapes.lower_bound(std::string(prefix)); it != shapes.end(); ++it) {
        const std::string_view key = it->first;
        if (key.substr(0, prefix.size()) != prefix) break;
        size_t pos = prefix.size();
        int value = 0;
        bool digits = false;
        while (pos < key.size() && key[pos] >= '0' && key[pos] <= '9' && value < 1000000) {
            value = value * 10 + (key[pos++] - '0');
            digits = true;
        }
        if (digits && pos < key.size() && key[pos] == '.') best = std::max(best, value);
    }
    return best;
}

} // namespace gesso::library
