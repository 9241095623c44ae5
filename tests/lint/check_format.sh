#!/usr/bin/env bash
# Fails, listing the files, when a C++ source differs from what clang-format makes of it.
# Usage (from the repository root): check_format.sh [clang-format]
set -euo pipefail
tool=${1:-clang-format}
command -v "$tool" >/dev/null || { echo "check_format: '$tool' not found (apt-get install clang-format)"; exit 1; }
mapfile -t files < <(git ls-files '*.cpp' '*.h' 2>/dev/null || find core ui app tests fuzz -name '*.cpp' -o -name '*.h')
((${#files[@]})) || { echo "check_format: no C++ files found"; exit 1; }
bad=()
for f in "${files[@]}"; do
    [ -f "$f" ] || continue
    "$tool" --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
echo "check_format: ${#files[@]} files checked with $("$tool" --version | head -1)"
if ((${#bad[@]})); then
    printf 'not formatted (run clang-format -i): %s\n' "${bad[@]}"
    exit 1
fi
