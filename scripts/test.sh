#!/usr/bin/env bash
# Installs the missing Debian packages, builds into build/ and runs the whole ctest suite.
#   --sanitize  also build into build-asan/ with ASan + UBSan (TLS13_SANITIZE=ON) and run the suite there,
#               and the shared-state tests under ThreadSanitizer in build-tsan/; each test still runs once
#               at least: the peer and BoGo suites run only under ASan, the packaging checks only in build/
#   --fuzz      also build the libFuzzer targets with clang into build-fuzz/ and run each one (ctest label
#               fuzz) on its seed corpus for TLS13_FUZZ_SECONDS seconds (default 30)
# Environment: TLS13_JOBS (default: nproc), TLS13_CTEST_TIMEOUT (per test, default 600 s).
# Exits non-zero if a build fails, a test fails or a fuzzer finds a crash.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { sed -n '2,9s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }
sanitize=0 fuzz=0
for arg in "$@"; do
  case $arg in
    --sanitize) sanitize=1 ;;
    --fuzz) fuzz=1 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $arg" ;;
  esac
done

cd "$TLS13_ROOT"
ensure_packages

declare -a summary=() failures=()
total_pass=0 total_fail=0 total_skip=0

# run_suite NAME DIR [ctest args...]: runs the ctest suite of DIR and records its summary line and counts.
run_suite() {
  local name=$1 dir=$2 rc=0
  shift 2
  log "running the $name test suite ($dir)"
  ctest --test-dir "$dir" --output-on-failure --no-tests=error -j "$TLS13_JOBS" "$@" \
    --timeout "${TLS13_CTEST_TIMEOUT:-600}" 2>&1 | tee "$dir/ctest.log" || rc=$?
  local line all=0 failed=0 skipped
  line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$dir/ctest.log" | tail -n 1 || true)
  if [[ $line =~ ([0-9]+)\ tests?\ failed\ out\ of\ ([0-9]+) ]]; then
    failed=${BASH_REMATCH[1]} all=${BASH_REMATCH[2]}
  fi
  skipped=$(grep -cE '^[[:space:]]+[0-9]+ - .* \(Skipped\)$' "$dir/ctest.log" || true)
  line="$name ($dir): ${line:-no ctest summary, ctest exit status $rc}"
  ((skipped == 0)) || line+=" ($skipped skipped, see 'The following tests did not run' above)"
  summary+=("$line")
  total_pass=$((total_pass + all - failed - skipped)) total_fail=$((total_fail + failed)) total_skip=$((total_skip + skipped))
  if ((rc != 0)); then
    failures+=("$name test suite (ctest exit status $rc)")
    ((failed > 0)) || total_fail=$((total_fail + 1))
  fi
}

# --- the default build: RelWithDebInfo, everything that is on by default when top level
if configure_build build -DTLS13_BUILD_TESTS=ON -DTLS13_BUILD_BENCH=ON -DTLS13_BUILD_ASIO=ON -DTLS13_BUILD_TOOLS=ON \
     -DTLS13_BUILD_EXAMPLES=ON -DTLS13_SANITIZE=OFF -DTLS13_TSAN=OFF -DTLS13_FUZZ=OFF && build build; then
  # With --sanitize, the peer and conformance suites (serial, ~100 s) run once, in the ASan pass below,
  # where they also check memory; without it they run here.
  default_args=()
  ((sanitize == 0)) || default_args=(-E '^(bogo_conformance|interop_(peers|openssl|gnutls))$')
  run_suite default build "${default_args[@]}"
else
  failures+=("configure/build of build/") total_fail=$((total_fail + 1))
fi

# --- ASan + UBSan
if ((sanitize)); then
  if ! { configure_build build-asan -DTLS13_SANITIZE=ON -DTLS13_BUILD_TESTS=ON -DTLS13_BUILD_BENCH=OFF \
          -DTLS13_BUILD_ASIO=ON -DTLS13_BUILD_TOOLS=ON -DTLS13_BUILD_EXAMPLES=ON -DTLS13_TSAN=OFF -DTLS13_FUZZ=OFF &&
          build build-asan; }; then
    failures+=("configure/build of build-asan/") total_fail=$((total_fail + 1))
  else
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:check_initialization_order=1:strict_init_order=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
    # The packaging checks (install and consume, include rules, link dependencies) test the build, not
    # the code at run time: the default pass has run them.
    run_suite asan+ubsan build-asan -LE packaging
  fi
fi

# --- ThreadSanitizer: the state shared across threads (ticket store, ticket-key ring, anti-replay store),
# hammered by the stress test and the concurrent replay tests, the Redis-backed stores and their connection pool
# (8 threads on one store), the shared metrics counters, the verifier's accepted-chain cache, and tls13::stream in full duplex on a
# 4-thread io_context (asio_soak_test: strands, the write gate, KeyUpdate answers). Only those targets
# are built here (the Asio adapter is on, but none of its other tests are built).
if ((sanitize)); then
  tsan_targets=(state_session_stress_test state_early_data_test state_resumption_test state_metrics_test asio_soak_test
                redis_stress_test x509_verifier_test)
  if configure_build build-tsan -DTLS13_TSAN=ON -DTLS13_BUILD_TESTS=ON -DTLS13_BUILD_BENCH=OFF -DTLS13_BUILD_ASIO=ON \
       -DTLS13_BUILD_TOOLS=OFF -DTLS13_BUILD_EXAMPLES=OFF -DTLS13_SANITIZE=OFF -DTLS13_FUZZ=OFF &&
     cmake --build build-tsan -j "$TLS13_JOBS" --target "${tsan_targets[@]}"; then
    TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1} \
      run_suite tsan build-tsan \
      -R '^(SessionStress|EarlyData|AntiReplay|Resumption|SessionTicket|TicketStore|TicketKeyRing|Metrics|AsioSoak|RedisStress|AcceptedChainCache)\.'
  else
    failures+=("configure/build of build-tsan/") total_fail=$((total_fail + 1))
  fi
fi

# --- libFuzzer (clang): tests/fuzz/CMakeLists.txt makes each fuzz target a ctest (label `fuzz`) that runs it
# for TLS13_FUZZ_SECONDS over a scratch directory plus its committed seed corpus. The unit tests are not
# built in this tree (TLS13_BUILD_TESTS=OFF), so its ctest suite is exactly the fuzzers.
if ((fuzz)); then
  if [[ ! -f tests/fuzz/CMakeLists.txt ]]; then
    summary+=("fuzz: SKIPPED, tests/fuzz/CMakeLists.txt does not exist yet")
    log "fuzz: SKIPPED, tests/fuzz/CMakeLists.txt does not exist yet"
  elif configure_build build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DTLS13_FUZZ=ON -DTLS13_BUILD_TESTS=OFF \
         -DTLS13_BUILD_BENCH=OFF -DTLS13_BUILD_ASIO=OFF -DTLS13_BUILD_TOOLS=OFF -DTLS13_BUILD_EXAMPLES=OFF \
         -DTLS13_SANITIZE=OFF -DTLS13_TSAN=OFF -DTLS13_FUZZ_SECONDS="${TLS13_FUZZ_SECONDS:-30}" &&
       build build-fuzz; then
    run_suite fuzz build-fuzz
  else
    failures+=("configure/build of build-fuzz/") total_fail=$((total_fail + 1))
  fi
fi

log "summary"
printf '%s\n' "${summary[@]}"
((${#failures[@]} == 0)) || printf 'FAILED: %s\n' "${failures[@]}"
echo "elapsed: ${SECONDS}s"
echo "total: $total_pass passed, $total_fail failed, $total_skip skipped"
((${#failures[@]} == 0))
