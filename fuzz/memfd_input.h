#pragma once
// For parsers that take a path: the fuzz input served from one memfd, reopened through /proc/self/fd.
#include <cstddef>
#include <cstdint>
#include <string>

namespace gesso::fuzz {

// Replaces the memfd's contents with the input and returns its path ("/proc/self/fd/N").
const std::string& memfdWithInput(const uint8_t* data, size_t size);

} // namespace gesso::fuzz
