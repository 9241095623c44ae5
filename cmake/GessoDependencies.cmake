# Every dependency comes from Debian packages (see ./bootstrap); an external libtorch (e.g. the official
# CUDA build) is picked up unchanged through -DCMAKE_PREFIX_PATH=/path/to/libtorch.
find_package(Torch REQUIRED)
# A libtorch built with CUDA (e.g. the official 2.x builds) lists its CUDA libraries here; core then uses the
# CUDA allocator statistics and device properties (GESSO_WITH_CUDA). Devices are still chosen at run time.
if(TORCH_CUDA_LIBRARIES)
    set(GESSO_WITH_CUDA ON)
    message(STATUS "Gesso: libtorch has CUDA (${Torch_VERSION})")
else()
    set(GESSO_WITH_CUDA OFF)
endif()
if(GESSO_BUILD_GUI)
    find_package(Qt6 REQUIRED COMPONENTS Core Gui Widgets Test Sql Network)
else()
    find_package(Qt6 REQUIRED COMPONENTS Core Test Sql Network)
endif()
find_package(nlohmann_json 3.10 REQUIRED)
find_package(yaml-cpp REQUIRED)

# Debian's OpenImageIO CMake config points at a missing OpenCV path; its pkg-config file is correct.
find_package(PkgConfig)
if(GESSO_WITH_OPENIMAGEIO)
    if(NOT PKG_CONFIG_FOUND)
        message(FATAL_ERROR "pkg-config is needed to find OpenImageIO (or configure with -DGESSO_WITH_OPENIMAGEIO=OFF)")
    endif()
    pkg_check_modules(OpenImageIO REQUIRED IMPORTED_TARGET OpenImageIO)
endif()
if(PKG_CONFIG_FOUND)
    pkg_check_modules(LibZip IMPORTED_TARGET libzip)
endif()
if(NOT TARGET PkgConfig::LibZip)
    # No pkg-config or no libzip.pc (e.g. Debian packages unpacked under a prefix on a build machine): a plain
    # header and library search through CMAKE_PREFIX_PATH.
    find_path(GESSO_LIBZIP_INCLUDE_DIR zip.h REQUIRED)
    find_library(GESSO_LIBZIP_LIBRARY zip REQUIRED)
    add_library(PkgConfig::LibZip INTERFACE IMPORTED)
    set_target_properties(PkgConfig::LibZip PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${GESSO_LIBZIP_INCLUDE_DIR}"
                                                       INTERFACE_LINK_LIBRARIES "${GESSO_LIBZIP_LIBRARY}")
    message(STATUS "Gesso: libzip ${GESSO_LIBZIP_LIBRARY}")
endif()

# Torch's exported flags (e.g. the C++11 ABI define) must reach every target that includes its headers.
string(REPLACE " " ";" GESSO_TORCH_CXX_FLAGS "${TORCH_CXX_FLAGS}")
