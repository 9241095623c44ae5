#pragma once
#include <stdexcept>
#include <string>

namespace gesso {

// The one exception type core/ throws for user-facing failures. The message names the file, tensor or
// parameter concerned in words a user can act on; callers at the UI/CLI boundary show it as is.
class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Thrown out of long-running work (denoising loops, VAE tiles, model loading) when its cancel flag is set.
class Cancelled : public Error {
public:
    Cancelled() : Error("cancelled") {}
};

} // namespace gesso
