#!/bin/bash
# Installs the test dependencies, builds Nestor three times (debugoptimized, release with the tests
# compiled but not run, ASan+UBSan), runs the unit tests in the debugoptimized and ASan builds, a
# short libFuzzer run of every fuzz target, and the integration tests (real nestor-dhcp4 processes
# and real DHCP clients in network namespaces).
# Ends with one line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
LOG=${TEST_LOG_DIR:-$ROOT/build-logs}
mkdir -p "$LOG"
passed=0 failed=0
count_meson() { # build dir
  local ok fail
  ok=$(sed -n 's/^Ok: *\([0-9]*\).*/\1/p' "$1/meson-logs/testlog.txt" 2>/dev/null | tail -1)
  fail=$(grep -E '^(Fail|Unexpected Pass|Timeout):' "$1/meson-logs/testlog.txt" 2>/dev/null | awk '{s+=$2} END {print s+0}')
  passed=$((passed + ${ok:-0})); failed=$((failed + ${fail:-0}))
}
step_fail() { echo "FAILED: $1"; failed=$((failed + 1)); }

bash scripts/deps.sh --test || step_fail "dependency installation"

echo "== build (debugoptimized) =="
if meson setup build --reconfigure >/dev/null 2>&1 || meson setup build >"$LOG/setup.log" 2>&1; then
  if ninja -C build >"$LOG/build.log" 2>&1; then
    meson test -C build --print-errorlogs --num-processes 2 2>&1 | tail -40
    count_meson build
  else
    tail -50 "$LOG/build.log"; step_fail "build"
  fi
else
  cat "$LOG/setup.log"; step_fail "meson setup"
fi

echo "== release build (-O3, compile only) =="
if meson setup build-rel --reconfigure --buildtype=release -Dtests=true >"$LOG/setup-rel.log" 2>&1 ||
   meson setup build-rel --buildtype=release -Dtests=true >"$LOG/setup-rel.log" 2>&1; then
  if ninja -C build-rel >"$LOG/build-rel.log" 2>&1; then
    echo "release build: ok"; passed=$((passed + 1))
  else
    tail -50 "$LOG/build-rel.log"; step_fail "release build"
  fi
else
  cat "$LOG/setup-rel.log"; step_fail "release meson setup"
fi

echo "== build with ASan+UBSan, unit tests =="
if [ -d build-asan ] || meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false \
     >"$LOG/setup-asan.log" 2>&1; then
  if ninja -C build-asan >"$LOG/build-asan.log" 2>&1; then
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
      meson test -C build-asan --print-errorlogs --num-processes 2 2>&1 | tail -40
    count_meson build-asan
  else
    tail -50 "$LOG/build-asan.log"; step_fail "asan build"
  fi
else
  cat "$LOG/setup-asan.log"; step_fail "asan meson setup"
fi

echo "== fuzzing (libFuzzer, ${FUZZ_SECONDS:=20} s per target) =="
if [ -d build-fuzz ] || CC=clang meson setup build-fuzz -Dfuzz=true -Dtests=false \
     -Db_sanitize=address,undefined -Db_lundef=false >"$LOG/setup-fuzz.log" 2>&1; then
  if ninja -C build-fuzz >"$LOG/build-fuzz.log" 2>&1; then
    for f in build-fuzz/fuzz/fuzz_*; do
      [ -f "$f" ] && [ -x "$f" ] || continue
      t=${f##*/fuzz_}
      work=$(mktemp -d)
      cp -r "fuzz/$t/corpus/." "$work/" 2>/dev/null || true
      if UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
         "$f" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=4096 -artifact_prefix="$LOG/fuzz-$t-" \
           "$work" >"$LOG/fuzz-$t.log" 2>&1; then
        echo "fuzz $t: ok ($(grep -o 'Done [0-9]* runs' "$LOG/fuzz-$t.log" | awk '{print $2}') runs in ${FUZZ_SECONDS} s)"
        passed=$((passed + 1))
      else
        tail -30 "$LOG/fuzz-$t.log"; step_fail "fuzz $t"
      fi
      rm -rf "$work"
    done
  else
    tail -30 "$LOG/build-fuzz.log"; step_fail "fuzz build"
  fi
else
  cat "$LOG/setup-fuzz.log"; step_fail "fuzz meson setup"
fi

# The plain build's suite runs in two pytest workers, each running whole modules (--dist
# loadfile): the tests mostly wait on timers, so this halves its time (20 to 10 min). A module's
# namespaces are tagged with its worker's pid and its database ports are shifted by its worker's
# number (tests/integration/workers.py). The ASan build's suite stays in one worker: in two, its
# slower servers missed timing-bound checks (test_hung_peer, a Kea interop DORA) once in two runs.
for variant in build build-asan; do
  echo "== integration tests ($variant) =="
  par=(-n 2 --dist loadfile)
  [ $variant = build-asan ] && par=()
  if [ -x $variant/src/dhcp4/nestor-dhcp4 ]; then
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 NESTOR_BUILD=$ROOT/$variant \
      /usr/bin/python3 -m pytest -p no:cacheprovider -q "${par[@]}" --durations=20 tests/integration 2>&1 | tee "$LOG/pytest-$variant.log" | tail -60
    # pytest's last line ("1 failed, 432 passed, 1 skipped in 634.90s"), not the assertion messages
    summary=$(grep -E '^(=+ )?[0-9]+ [a-z]+.* in [0-9.]+s' "$LOG/pytest-$variant.log" | tail -1)
    p=$(grep -Eo '[0-9]+ passed' <<<"$summary" | awk '{print $1}')
    f=$(grep -Eo '[0-9]+ (failed|error|errors)' <<<"$summary" | awk '{s+=$1} END {print s+0}')
    passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
    [ -z "$p" ] && [ "${f:-0}" = 0 ] && step_fail "pytest ($variant) ran no test"
  else
    step_fail "integration tests ($variant: no nestor-dhcp4 binary)"
  fi
done

# Whoever reads only the end of this output sees which tests failed and why (the short summary of
# each pytest run, its assertion messages cut to 40 lines a run).
for variant in build build-asan; do
  l="$LOG/pytest-$variant.log"
  [ -f "$l" ] && grep -q '^FAILED\|^ERROR' "$l" || continue
  echo "== failures ($variant) =="
  sed -n '/^=* short test summary info =*$/,$p' "$l" | grep -v '^=' | cut -c1-300 | head -40
done
# Messages the HA tests had to send again (tests/integration/test_ha_updates.py dora()): a loaded
# machine's lost frame, or the first sign of a server that misses queries.
for variant in build build-asan; do
  l="$LOG/pytest-$variant.log"
  [ -f "$l" ] || continue
  n=$(grep -c 'sent again' "$l")
  [ "$n" -gt 0 ] && { echo "== $variant: $n DHCP message(s) sent again =="; grep -o '[a-z]* of .* sent again' "$l" | head -5; }
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
