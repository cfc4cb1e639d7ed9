# Shared helpers for scripts/test.sh and scripts/demo.sh (sourced, not run).
# Target: Debian 12 (bookworm), run as root (or as a user with sudo) on a fresh machine.

TLS13_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TLS13_JOBS=${TLS13_JOBS:-$(nproc)}

# Everything the build, the tests, the benchmarks and the fuzzers need, as Debian package names.
TLS13_PACKAGES=(
  build-essential g++ cmake ninja-build ccache pkg-config  # toolchain
  libssl-dev openssl                                      # libcrypto (the core); the openssl CLI is a test peer
  gnutls-bin                                              # gnutls-serv / gnutls-cli: interop test peers
  libboost1.81-dev                                        # Boost.Asio (tls13::asio only)
  libboost-context1.81-dev                                # asio::spawn (yield_context) in asio_parity_tokens_test
  libgtest-dev libbenchmark-dev nlohmann-json3-dev        # tests, benchmarks, JSON test vectors
  clang libclang-rt-14-dev                                # libFuzzer + sanitizer runtimes for clang
  file binutils                                           # readelf / nm / file for the packaging checks
  curl                                                    # the demo fetches a page with curl too (an OpenSSL client)
  valgrind                                                # mlkem_ct: ML-KEM constant-time check under memcheck
  redis-server                                            # a private server per test for tls13::redis (fleet backend)
)

log() { printf '\n==> [%ss] %s\n' "$SECONDS" "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Prints the packages of TLS13_PACKAGES that dpkg does not report as installed.
missing_packages() {
  local p
  for p in "${TLS13_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${db:Status-Status}\n' "$p" 2>/dev/null | grep -qx installed; then
      printf '%s\n' "$p"
    fi
  done
}

# Installs whatever is missing; does nothing (no apt-get at all) when everything is already there.
ensure_packages() {
  command -v dpkg-query >/dev/null || die "dpkg-query not found: these scripts target Debian 12 (bookworm)"
  local missing
  mapfile -t missing < <(missing_packages)
  if ((${#missing[@]} == 0)); then
    echo "all ${#TLS13_PACKAGES[@]} required Debian packages are installed"
    return 0
  fi
  local sudo=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null || die "missing packages (${missing[*]}) and not root: re-run as root"
    sudo=(sudo)
  fi
  log "installing missing Debian packages: ${missing[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
  mapfile -t missing < <(missing_packages)
  ((${#missing[@]} == 0)) || die "still missing after apt-get install: ${missing[*]}"
}

# configure_build DIR [cmake -D options...]: configures DIR with Ninja (RelWithDebInfo unless an option overrides it).
# Debug information is -g1 (functions and line tables: backtraces and sanitizer reports keep their file:line, a
# debugger shows no locals): full -g costs about a third more compile time on the template-heavy tests.
# Configure a directory of your own with CMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g" to debug.
# A DIR configured earlier with another generator is reset, since cmake refuses to switch generators in place.
configure_build() {
  local dir=$1
  shift
  if [[ -f $dir/CMakeCache.txt ]] && ! grep -q '^CMAKE_GENERATOR:INTERNAL=Ninja$' "$dir/CMakeCache.txt"; then
    log "$dir was configured with another generator: resetting its CMake cache"
    rm -rf "$dir/CMakeCache.txt" "$dir/CMakeFiles"
  fi
  log "configuring $dir"
  cmake -S "$TLS13_ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG" "$@"
}

# build DIR [cmake --build options...]
build() {
  local dir=$1
  shift
  log "building $dir with $TLS13_JOBS jobs"
  cmake --build "$dir" --parallel "$TLS13_JOBS" "$@"
}

# ccache: share cache entries between checkouts in different directories (CI clones elsewhere).
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$TLS13_ROOT}
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-true}
# The tests' precompiled header (tests/CMakeLists.txt): ccache caches neither its users nor the header
# itself without these; CMake rebuilds the header whenever its flags change.
export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}
