#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 60), one after another,
# starting from the committed seeds (fuzz/seeds/<target>) and the local
# corpus (fuzz/corpus/<target>, not committed). Prints the executions per
# target; exits non-zero on the first crash (the input is saved under
# fuzz/artifacts/<target>/). Needs a nightly toolchain and cargo-fuzz.
# The code under test is safe Rust, so no sanitizer by default (about twice
# the executions); FUZZ_SANITIZER=address turns AddressSanitizer on.
# Overflow checks and debug assertions stay on. FUZZ_SEED=N makes a run
# repeat the same inputs (CI sets it, so a smoke run fails the same way
# every time or not at all); without it each run explores new inputs.
#
#   fuzz/run.sh [SECONDS] [TARGET…]
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
shift || true
if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo +nightly fuzz list)
fi

sanitizer="${FUZZ_SANITIZER:-none}"
seed_flag=()
if [ -n "${FUZZ_SEED:-}" ]; then
  seed_flag=(-seed="$FUZZ_SEED")
fi
cargo +nightly fuzz build --sanitizer "$sanitizer"

summary=()
for target in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$target"
  log=$(mktemp)
  printf '== %s (%ss)\n' "$target" "$seconds"
  if ! cargo +nightly fuzz run --sanitizer "$sanitizer" "$target" \
      "fuzz/corpus/$target" "fuzz/seeds/$target" -- \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 "${seed_flag[@]}" \
      >"$log" 2>&1; then
    grep -E -A4 'panicked at|^==[0-9]+==ERROR|deadly signal|timeout|out-of-memory' "$log" | head -n 40 || true
    grep -E 'Test unit written|Reproduce with|cargo fuzz run' "$log" || true
    echo "fuzz: $target FAILED (see fuzz/artifacts/$target/)"
    exit 1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -n 1)
  summary+=("$(printf '%-20s %12s executions' "$target" "${runs:-?}")")
  echo "${summary[-1]}"
  rm -f "$log"
done

echo "fuzz: ${#targets[@]} targets, ${seconds}s each, no crash"
printf '%s\n' "${summary[@]}"
