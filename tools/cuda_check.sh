#!/usr/bin/env bash
# One CUDA check of Gesso on a bare GPU machine whose python3 has PyTorch 2.x with CUDA (its
# torch/share/cmake is a full libtorch CMake package) but none of Gesso's other dependencies:
#   1. unpacks Debian 12 packages (Qt 6 Core/Test, ICU 72, libzip, nlohmann-json; fetched beforehand with
#      `apt-get download`, see below) under a prefix, never into /;
#   2. configures and builds, headless and without OpenImageIO, only the parity test executables and gesso-cli
#      (ninja -k 0: every compile error at once);
#   3. runs the parity tests in fp32 on CUDA (GESSO_TEST_DEVICE=cuda: TF32 off), one line per case;
#   4. runs the network benchmarks on CUDA (fp16 and fp32; UNet, VAE decode, text encoders), peak memory included.
# Everything is printed and kept in OUT (default ./cuda-check-out): check.log, configure.log, build.log.
#
# Packages (Debian 12, into DEBS):
#   apt-get download libqt6core6 libqt6test6 qt6-base-dev qt6-base-dev-tools libicu72 libdouble-conversion3 \
#     libb2-1 libpcre2-16-0 libglib2.0-0 libzip4 libzip-dev nlohmann-json3-dev libssl3 libzstd1 qmake6
# Reference data (REF): a self-consistent subset of shared/reference (golden cases only for models present).
#
# Usage: tools/cuda_check.sh [SRC] ; environment: DEBS, REF, OUT, PREFIX, BUILD, JOBS, SDXL=0|1, BENCH=0|1, DEVICE (cuda),
# TORCH_CMAKE and TORCH_LIB (default: from python3's torch), STOP_AFTER=configure (a dry run of the setup).
set -u -o pipefail

SRC=$(cd "${1:-$(dirname "$0")/..}" && pwd)
DEBS=${DEBS:-$SRC/.devkit}
REF=${REF:-$SRC/../shared/reference}
OUT=${OUT:-$PWD/cuda-check-out}
PREFIX=${PREFIX:-/opt/gesso-devkit}
BUILD=${BUILD:-/tmp/gesso-cuda-build}
JOBS=${JOBS:-16}
SDXL=${SDXL:-1}
BENCH=${BENCH:-1}
DEVICE=${DEVICE:-cuda}
OPTIONAL_UNTIL=${OPTIONAL_UNTIL:-400} # seconds after the start: the SDXL benchmarks are skipped after that
T0=$(date +%s)
mkdir -p "$OUT"
exec > >(tee -a "$OUT/check.log") 2>&1
step() { echo; echo "=== $* ($(date -u +%T))"; }
failures=()

step "machine"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
python3 -c 'import torch; print("torch", torch.__version__, "CUDA", torch.version.cuda, "cuDNN", torch.backends.cudnn.version(), torch.cuda.get_device_name(0))'
TORCH_CMAKE=${TORCH_CMAKE:-$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')} || exit 1
TORCH_LIB=${TORCH_LIB:-$(python3 -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')} || exit 1
SITE=$(dirname "$(dirname "$TORCH_LIB")")
NVCC=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
CUDA_ROOT=$(dirname "$(dirname "$(readlink -f "$NVCC")")")
echo "torch cmake: $TORCH_CMAKE"; echo "nvcc: $NVCC (toolkit $CUDA_ROOT)"
cmake --version | head -1; echo "ninja $(ninja --version)"; "$NVCC" --version | tail -2; c++ --version | head -1

step "unpack Debian packages into $PREFIX"
mkdir -p "$PREFIX"
for deb in "$DEBS"/*.deb; do
    if command -v dpkg-deb >/dev/null; then dpkg-deb -x "$deb" "$PREFIX"
    else # no dpkg: the package's data member through ar (tar detects the compression of a file)
        member=$(ar t "$deb" | grep '^data.tar')
        ar p "$deb" "$member" >"/tmp/$member" && tar -xf "/tmp/$member" -C "$PREFIX"
    fi
done
LIBDIR=$PREFIX/usr/lib/x86_64-linux-gnu
# Only the libraries this system lacks go on the loader path, so no system library is shadowed by an older one.
MISSING=$PREFIX/missing
mkdir -p "$MISSING"
known=$(ldconfig -p | awk '{print $1}')
for lib in "$LIBDIR"/lib*.so.*; do
    name=$(basename "$lib")
    grep -qxF "$name" <<<"$known" || ln -sf "$lib" "$MISSING/$name"
done
echo "taken from the packages: $(ls "$MISSING" | grep -E '\.so\.[0-9]+$' | tr '\n' ' ')"
export LD_LIBRARY_PATH=$MISSING${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
NVLIBS=$(find "$SITE/nvidia" -maxdepth 3 -type d -name lib 2>/dev/null | tr '\n' ':')

step "configure"
export TORCH_CUDA_ARCH_LIST=${TORCH_CUDA_ARCH_LIST:-9.0}
cmake -S "$SRC" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$TORCH_CMAKE;$PREFIX/usr" -DQt6_DIR="$LIBDIR/cmake/Qt6" \
    -DGESSO_BUILD_GUI=OFF -DGESSO_WITH_OPENIMAGEIO=OFF \
    -DCMAKE_CUDA_COMPILER="$NVCC" -DCUDAToolkit_ROOT="$CUDA_ROOT" -DCMAKE_CUDA_ARCHITECTURES=90 \
    -DCMAKE_EXE_LINKER_FLAGS="-Wl,-rpath-link,$MISSING:$LIBDIR:$TORCH_LIB:$NVLIBS" \
    2>&1 | tee "$OUT/configure.log"
if [ "${PIPESTATUS[0]}" != 0 ]; then
    echo "CONFIGURE FAILED"
    tail -60 "$BUILD/CMakeFiles/CMakeError.log" 2>/dev/null
    exit 1
fi
[ "${STOP_AFTER:-}" = configure ] && exit 0

step "build (ninja -k 0 -j$JOBS)"
TESTS="test_networks_parity test_taesd_parity test_text_encoder test_generator"
start=$(date +%s)
ninja -C "$BUILD" -k 0 -j"$JOBS" $TESTS gesso-cli 2>&1 | tee "$OUT/build.log" | grep -E "error|FAILED|warning: .*deprecated" | head -80
build_rc=${PIPESTATUS[0]}
echo "build exit $build_rc after $(( $(date +%s) - start )) s"
tail -3 "$OUT/build.log"

step "parity tests on $DEVICE (fp32, TF32 off), reference subset $REF"
export GESSO_REFERENCE_DIR=$REF GESSO_TEST_DEVICE=$DEVICE QT_QPA_PLATFORM=offscreen
find "$REF/golden" "$REF/models" -maxdepth 1 -mindepth 1 2>/dev/null | sed "s|$REF/||" | tr '\n' ' '; echo
for t in $TESTS; do
    exe=$(find "$BUILD/tests" -name "$t" -type f -perm -u+x | head -1)
    if [ -z "$exe" ]; then echo "--- $t: not built"; failures+=("$t (not built)"); continue; fi
    echo "--- $t"
    start=$(date +%s)
    timeout 300 "$exe"
    rc=$?
    echo "--- $t exit $rc ($(( $(date +%s) - start )) s)"
    [ $rc = 0 ] || failures+=("$t")
done

step "benchmarks on $DEVICE"
CLI=$BUILD/app/gesso-cli
if [ "$BENCH" != 1 ]; then
    echo "skipped (BENCH=$BENCH)"
elif [ -x "$CLI" ]; then
    "$CLI" info | sed -n '1,20p'
    bench() { echo "--- gesso-cli $*"; timeout 180 "$CLI" "$@" || failures+=("bench $*"); }
    for dtype in fp16 fp32; do
        bench bench unet --arch sd15 --size 512 --random-weights --dtype $dtype --device $DEVICE --runs 5
        bench bench vae --arch sd15 --size 512 --random-weights --dtype $dtype --device $DEVICE --runs 5
    done
    bench bench unet --arch sd15 --size 512 --random-weights --dtype bf16 --device $DEVICE --runs 5
    bench bench text --arch sd15 --random-weights --device $DEVICE --tokenizer-dir "$REF/tokenizer/clip"
    # Upscalers on the device, fp32 (TF32 off) and auto (fp16): they run there, with their time; the outputs are
    # kept under $OUT to compare with the golden case.
    for dtype in fp32 auto; do
        bench upscale --model "$REF/upscalers/rrdb-realesrgan-x4.pth" --device $DEVICE --dtype $dtype --tile 0 \
            --in-tensor "$REF/golden/upscale/rrdb-realesrgan-x4.safetensors" --out-tensor "$OUT/upscale-$dtype.safetensors"
    done
    if [ "$SDXL" = 1 ] && [ $(( $(date +%s) - T0 )) -lt "$OPTIONAL_UNTIL" ]; then
        bench bench unet --arch sdxl --size 1024 --random-weights --dtype fp16 --device $DEVICE --runs 3
        bench bench text --arch sdxl --random-weights --device $DEVICE --tokenizer-dir "$REF/tokenizer/clip"
        bench bench vae --arch sdxl --size 1024 --random-weights --dtype bf16 --device $DEVICE --runs 3
    else
        echo "SDXL benchmarks skipped (SDXL=$SDXL, $(( $(date +%s) - T0 )) s elapsed)"
    fi
else
    failures+=("gesso-cli (not built)")
fi

step "summary ($(( $(date +%s) - T0 )) s)"
if [ ${#failures[@]} = 0 ]; then echo "all passed"; exit 0; fi
printf 'FAILED: %s\n' "${failures[@]}"
exit 1
