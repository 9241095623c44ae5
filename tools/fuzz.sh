#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang into build-fuzz/ and runs each for SECONDS.
#
#   tools/fuzz.sh SECONDS [TARGET...]      (default: every target in fuzz/corpus/)
#
# Every compile and fuzz run is niced (nice -n 19) and the build uses one job, so a run can share a machine
# with a normal build. Each target starts from a scratch copy of its committed corpus fuzz/corpus/<target>/
# (the committed corpus only grows when you choose: --merge, or copy files by hand), with its dictionary
# fuzz/dict/*.dict where one helps, -timeout=10 -rss_limit_mb=2048, and UBSan reports made fatal so that they
# count as crashes. The table at the end lists per target: seconds, executions, coverage (cov: and ft: of
# libFuzzer's last stats line), corpus size, findings (crash-*/leak-*/timeout-*/oom-* files). Inputs under
# fuzz/regress/<target>/ (reproducers of fixed bugs too slow to keep in a fuzzing corpus) run once first,
# without a timeout; one that fails counts as a finding. Exit status 1 when any target found something or
# failed to run.
#
# Options (before SECONDS):
#   --merge        afterwards, merge each scratch corpus into fuzz/corpus/<target>/ (libFuzzer -merge=1:
#                  only inputs that add coverage are copied)
#   --no-build     use the binaries already in the build tree
# Environment: GESSO_FUZZ_BUILD (build tree, default build-fuzz), GESSO_FUZZ_WORK (scratch/log folder,
# default a new /tmp/gesso-fuzz.XXXXXX), GESSO_FUZZ_JOBS (build jobs, default 1), GESSO_FUZZ_TIMEOUT (libFuzzer
# -timeout in seconds, default 10; it is wall-clock time: raise it when the niced run shares a saturated
# machine, where a few-millisecond input can wait seconds for a CPU and be reported as a timeout).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
merge=0
build_targets=1
while [[ $# -gt 0 && $1 == --* ]]; do
    case $1 in
    --merge) merge=1 ;;
    --no-build) build_targets=0 ;;
    *)
        echo "unknown option $1" >&2
        exit 2
        ;;
    esac
    shift
done
if [[ $# -lt 1 || ! $1 =~ ^[0-9]+$ ]]; then
    echo "usage: tools/fuzz.sh [--merge] [--no-build] SECONDS [TARGET...]" >&2
    exit 2
fi
seconds=$1
shift
build=${GESSO_FUZZ_BUILD:-$root/build-fuzz}
jobs=${GESSO_FUZZ_JOBS:-1}
timeout=${GESSO_FUZZ_TIMEOUT:-10}
work=${GESSO_FUZZ_WORK:-$(mktemp -d /tmp/gesso-fuzz.XXXXXX)}
mkdir -p "$work"

if [[ $# -gt 0 ]]; then
    targets=("$@")
else
    targets=()
    for d in "$root"/fuzz/corpus/*/; do targets+=("$(basename "$d")"); done
fi

dict_for() {
    case $1 in
    fuzz_safetensors_header | fuzz_model_configs | fuzz_comfyui_prompt) echo "$root/fuzz/dict/json.dict" ;;
    fuzz_unpickler | fuzz_torch_zip) echo "$root/fuzz/dict/pickle.dict" ;;
    fuzz_openraster) echo "$root/fuzz/dict/ora.dict" ;;
    fuzz_prompt_parser | fuzz_prompt_schedule) echo "$root/fuzz/dict/prompt.dict" ;;
    fuzz_a1111_parameters) echo "$root/fuzz/dict/a1111.dict" ;;
    esac
}

if [[ $build_targets == 1 ]]; then
    if [[ ! -f $build/CMakeCache.txt ]]; then
        generator=()
        command -v ninja > /dev/null && generator=(-G Ninja)
        CC=clang CXX=clang++ nice -n 19 cmake -S "$root" -B "$build" "${generator[@]}" -DGESSO_FUZZERS=ON \
            -DGESSO_BUILD_GUI=OFF -DGESSO_BUILD_TESTS=OFF
    fi
    nice -n 19 cmake --build "$build" -j "$jobs" --target "${targets[@]}"
fi

export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
# Leaks are checked after every input (libFuzzer -detect_leaks); the extra whole-heap check at exit adds
# minutes for the torch-linked targets on a busy machine and is skipped.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:leak_check_at_exit=0}

status=0
rows=()
for t in "${targets[@]}"; do
    exe=$build/fuzz/$t
    dir=$work/$t
    rm -rf "$dir"
    mkdir -p "$dir/corpus" "$dir/artifacts"
    [[ -d $root/fuzz/corpus/$t ]] && cp -r "$root/fuzz/corpus/$t/." "$dir/corpus/"
    args=(-max_total_time="$seconds" -timeout="$timeout" -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$dir/artifacts/")
    dict=$(dict_for "$t")
    [[ -n $dict ]] && args+=(-dict="$dict")
    regress_failed=0
    if [[ -d $root/fuzz/regress/$t ]]; then
        nice -n 19 "$exe" -timeout=0 -rss_limit_mb=2048 "$root/fuzz/regress/$t"/* > "$dir/regress.log" 2>&1 ||
            regress_failed=1
    fi
    echo "== $t: ${seconds}s, log $dir/log" >&2
    start=$(date +%s)
    rc=0
    nice -n 19 "$exe" "${args[@]}" "$dir/corpus" > "$dir/log" 2>&1 || rc=$?
    elapsed=$(($(date +%s) - start))

    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
    if [[ -z $execs ]]; then # no final stats (crash): the last progress line's #N
        execs=$(grep -E '^#[0-9]+' "$dir/log" | tail -1 | sed -E 's/^#([0-9]+).*/\1/')
    fi
    stats=$(grep -E '^#[0-9]+.*cov: [0-9]+ ft: [0-9]+' "$dir/log" | tail -1 || true)
    cov=$(sed -E 's/.*cov: ([0-9]+).*/\1/' <<< "$stats")
    ft=$(sed -E 's/.*ft: ([0-9]+).*/\1/' <<< "$stats")
    files=$(find "$dir/corpus" -type f | wc -l)
    kib=$(($(du -sk "$dir/corpus" | cut -f1)))
    findings=$(find "$dir/artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
        -o -name 'oom-*' \) | wc -l)
    note=""
    if [[ $regress_failed == 1 ]]; then
        status=1
        findings=$((findings + 1))
        note="fuzz/regress input fails, see $dir/regress.log "
    fi
    if [[ $findings -gt 0 ]]; then
        status=1
        note+=$(find "$dir/artifacts" -type f -printf '%f ' | cut -c1-60)
    elif [[ $rc -ne 0 ]]; then
        status=1
        note="exit $rc, see log"
    fi
    rows+=("$(printf '%-26s %6s %12s %7s %7s %6s %7s %8s  %s' "$t" "$elapsed" "${execs:-?}" "${cov:-?}" \
        "${ft:-?}" "$files" "${kib}K" "$findings" "$note")")

    if [[ $merge == 1 && $findings -eq 0 ]]; then
        mkdir -p "$root/fuzz/corpus/$t"
        nice -n 19 "$exe" -merge=1 -timeout="$timeout" -rss_limit_mb=2048 "$root/fuzz/corpus/$t" "$dir/corpus" \
            >> "$dir/merge.log" 2>&1 || status=1
    fi
done

echo
printf '%-26s %6s %12s %7s %7s %6s %7s %8s  %s\n' target seconds executions cov ft files corpus findings ""
for r in "${rows[@]}"; do echo "$r"; done
echo "logs, corpora and artifacts: $work"
exit $status
