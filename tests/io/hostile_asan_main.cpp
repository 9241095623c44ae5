// test_io_hostile_asan: the hostile-input cases under AddressSanitizer + UBSan (built from the io sources
// only, see tests/io/CMakeLists.txt). Exit status = number of failing cases.
#include "tests/io/hostile_cases.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <unistd.h>

int main() {
    const auto scratch = std::filesystem::temp_directory_path() /
                         ("gesso_hostile_asan_" + std::to_string(static_cast<long>(::getpid())));
    std::filesystem::create_directories(scratch);
    const int failures = gesso::test::runHostileCases(scratch);
    std::filesystem::remove_all(scratch);
    std::printf("%d failure(s)\n", failures);
    return failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
