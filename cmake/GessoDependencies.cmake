# Every dependency comes from Debian packages (see ./bootstrap); an external libtorch (e.g. the official
# CUDA build) is picked up unchanged through -DCMAKE_PREFIX_PATH=/path/to/libtorch.
find_package(Torch REQUIRED)
find_package(Qt6 REQUIRED COMPONENTS Core Gui Widgets Test)
find_package(nlohmann_json 3.10 REQUIRED)

# Debian's OpenImageIO CMake config points at a missing OpenCV path; its pkg-config file is correct.
find_package(PkgConfig REQUIRED)
pkg_check_modules(OpenImageIO REQUIRED IMPORTED_TARGET OpenImageIO)
pkg_check_modules(LibZip REQUIRED IMPORTED_TARGET libzip)

# Torch's exported flags (e.g. the C++11 ABI define) must reach every target that includes its headers.
string(REPLACE " " ";" GESSO_TORCH_CXX_FLAGS "${TORCH_CXX_FLAGS}")
