#!/usr/bin/env bash
# BoGo (BoringSSL's TLS test runner) against tls13_shim, gated on known-failures.txt.
#
#   run_bogo.sh /abs/path/to/tls13_shim [extra runner flags, e.g. -test 'TLS13-*']
#
# The runner is not part of this repository: it is built from Debian's BoringSSL source package
# by ../shared/bogo/build-runner.sh (next to the checkout; BOGO_SHARED overrides). Without it the
# script exits 77, which ctest reports as skipped.
#
# Scope: the tests in $BOGO_SHARED/tls13-reachable.txt, the ones BoringSSL itself passes when
# limited to TLS 1.3. Tests outside it need TLS 1.2 or older; they are counted, never gated.
# Fails on a reachable test that fails and is not in known-failures.txt, and on a listed test that
# now passes (delete its line: the list only shrinks).
#
# Env: BOGO_SHARED, BOGO_WORK (runner cache, default /tmp/tls13-bogo), BOGO_WORKERS (default 2),
#      BOGO_TESTS (runner -test patterns, ';'-separated; default: all), BOGO_KEEP (keep the log dir).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
shim=${1:?usage: run_bogo.sh /abs/path/to/tls13_shim [runner flags...]}
shift
shared=${BOGO_SHARED:-$repo/../shared/bogo}
if [ ! -x "$shared/build-runner.sh" ] || [ ! -f "$shared/tls13-reachable.txt" ]; then
  echo "SKIP: no BoGo runner kit at $shared (set BOGO_SHARED to a directory with build-runner.sh)"
  exit 77
fi
command -v python3 >/dev/null || { echo "SKIP: python3 is needed to read the runner's JSON"; exit 77; }
[ -x "$shim" ] || { echo "no shim at $shim"; exit 1; }

runner=$("$shared/build-runner.sh" 2>/tmp/bogo-build-runner.$$.log | tail -1)
if [ -z "$runner" ] || [ ! -x "$runner" ]; then
  echo "SKIP: the BoGo runner could not be built (Go toolchain or Debian source unavailable):"
  tail -5 /tmp/bogo-build-runner.$$.log; rm -f /tmp/bogo-build-runner.$$.log
  exit 77
fi
rm -f /tmp/bogo-build-runner.$$.log
work=${BOGO_WORK:-/tmp/tls13-bogo}
out=$(mktemp -d "${TMPDIR:-/tmp}/tls13-bogo-run.XXXXXX")
[ -n "${BOGO_KEEP:-}" ] || trap 'rm -rf "$out"' EXIT
args=(-shim-path "$shim" -shim-config "$here/config.json" -num-workers "${BOGO_WORKERS:-2}" -pipe
      -allow-unimplemented -json-output "$out/results.json")
[ -z "${BOGO_TESTS:-}" ] || args+=(-test "$BOGO_TESTS")

start=$(date +%s)
# The runner loads its certificates from its own directory.
(cd "$work/runner" && "$runner" "${args[@]}" "$@" >"$out/runner.log" 2>&1)
echo "BoGo runner finished in $(($(date +%s) - start)) s (log: $out/runner.log${BOGO_KEEP:+, kept})"

filtered=no
{ [ -n "${BOGO_TESTS:-}" ] || [ $# -gt 0 ]; } && filtered=yes
python3 - "$out/results.json" "$shared/tls13-reachable.txt" "$here/known-failures.txt" "$out/runner.log" "$filtered" <<'PY'
import collections, json, re, sys
results, reachable_file, known_file, log_file, filtered = sys.argv[1:6]
try:
    tests = json.load(open(results))["tests"]
except Exception as e:
    print("FAIL: no results from the runner (%s); see the runner log" % e)
    sys.exit(1)
reachable = {l.strip() for l in open(reachable_file) if l.strip()}
known = {}
for line in open(known_file):
    line = line.strip()
    if line and not line.startswith("#"):
        name, _, cause = line.partition(" # ")
        known[name.strip()] = cause.strip()

count = collections.Counter(v["actual"] for v in tests.values())
in_scope = {n: v["actual"] for n, v in tests.items() if n in reachable}
scope_count = collections.Counter(in_scope.values())
print("all tests run:  %d passed, %d failed, %d unimplemented" % (count["PASS"], count["FAIL"], count["SKIP"]))
print("TLS 1.3 scope:  %d passed, %d failed, %d unimplemented; reachable %d of %d passed"
      % (scope_count["PASS"], scope_count["FAIL"], scope_count["SKIP"], scope_count["PASS"], len(reachable)))

log = open(log_file, errors="replace").read()
def details(name):
    m = re.search(r"^FAILED \(%s\)\n(.*?)(?=^(?:PASSED|FAILED|UNIMPLEMENTED) \(|\Z)" % re.escape(name), log, re.S | re.M)
    return "\n".join("    " + l for l in (m.group(1).strip().splitlines()[:6] if m else []))

new = sorted(n for n, a in in_scope.items() if a == "FAIL" and n not in known)
fixed = sorted(n for n in known if in_scope.get(n) == "PASS")
gone = sorted(n for n in known if n in tests and in_scope.get(n) not in ("FAIL", "PASS"))
missing = sorted(n for n in known if n not in tests)
for n in new:
    print("NEW FAILURE: %s\n%s" % (n, details(n)))
for n in fixed:
    print("NOW PASSES (delete it from known-failures.txt): %s" % n)
for n in gone:
    print("note: listed test is now %s: %s" % (in_scope.get(n, "out of scope"), n))
if filtered == "no":
    for n in missing:
        print("note: listed test did not run (renamed or disabled?): %s" % n)
print("known failures still failing: %d" % sum(1 for n in known if in_scope.get(n) == "FAIL"))
sys.exit(1 if new or fixed else 0)
PY
