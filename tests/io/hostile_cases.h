#pragma once
// Hand-made hostile inputs for the safetensors parser, the restricted unpickler and the torch zip reader.
// Shared by the Qt test (test_torch_pickle) and the AddressSanitizer executable (test_io_hostile_asan).
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace gesso::test {

struct HostileCase {
    std::string name;
    std::function<void()> run; // must throw gesso::Error
    std::string expected;      // substring of the error message
};

// `scratch` is a writable folder for temporary files.
std::vector<HostileCase> hostileCases(const std::filesystem::path& scratch);

// Runs every case; prints one line each; returns the number of failures.
int runHostileCases(const std::filesystem::path& scratch);

} // namespace gesso::test
