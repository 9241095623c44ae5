#pragma once
// One table of names per enum, read in both directions, so that formatting and parsing cannot disagree and
// a new value is one line (a switch per direction listed every value twice).
#include <array>
#include <optional>
#include <string_view>
#include <utility>

namespace gesso {

template <typename Enum> using EnumName = std::pair<Enum, std::string_view>;

template <typename Enum, std::size_t N>
constexpr std::string_view nameIn(const std::array<EnumName<Enum>, N>& names, Enum value) {
    for (const auto& [candidate, name] : names)
        if (candidate == value) return name;
    return {};
}

// The same as a C string, for tables of string literals (null-terminated); `fallback` for a value not listed.
template <typename Enum, std::size_t N>
constexpr const char* nameIn(const std::array<EnumName<Enum>, N>& names, Enum value, const char* fallback) {
    const std::string_view name = nameIn(names, value);
    return name.empty() ? fallback : name.data();
}

template <typename Enum, std::size_t N>
constexpr std::optional<Enum> valueNamed(const std::array<EnumName<Enum>, N>& names, std::string_view name) {
    for (const auto& [value, candidate] : names)
        if (candidate == name) return value;
    return std::nullopt;
}

} // namespace gesso
