#!/usr/bin/env bash
# ctest install_consumer: installs the build tree into a fresh temporary prefix, then configures, builds
# and runs tests/packaging/consumer (find_package(tls13 REQUIRED) + tls13::core) against that prefix only.
#
# usage: install_consumer.sh CMAKE SOURCE_DIR BINARY_DIR CONSUMER_DIR GENERATOR MAKE_PROGRAM CXX BUILD_TYPE
#                            LINKER_FLAGS
#   LINKER_FLAGS: link options the library was built with that a consumer must repeat (sanitizers), or "".
# Environment: TLS13_KEEP_CONSUMER=1 keeps the temporary directory for inspection.
set -euo pipefail
[[ $# -eq 9 ]] || { echo "usage: $0 CMAKE SOURCE_DIR BINARY_DIR CONSUMER_DIR GENERATOR MAKE_PROGRAM CXX BUILD_TYPE LINKER_FLAGS" >&2; exit 2; }
cmake=$1 source_dir=$2 binary_dir=$3 consumer_dir=$4 generator=$5 make_program=$6 cxx=$7 build_type=$8 ldflags=$9

fail() { echo "install_consumer: FAIL: $*" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tls13-install-consumer.XXXXXX")
if [[ ${TLS13_KEEP_CONSUMER:-0} == 1 ]]; then
  echo "keeping $tmp"
else
  trap 'rm -rf "$tmp"' EXIT
fi
prefix=$tmp/prefix
# The temp dir must not live inside the source or build tree, or the "nothing refers to them" checks mean nothing.
case $tmp/ in "$source_dir"/* | "$binary_dir"/*) fail "temporary directory $tmp is inside the source or build tree" ;; esac

echo "== cmake --install $binary_dir --prefix $prefix"
unset DESTDIR
"$cmake" --install "$binary_dir" --prefix "$prefix" --config "$build_type" >"$tmp/install.log" 2>&1 ||
  { cat "$tmp/install.log"; fail "cmake --install failed"; }
sed -n 's/^-- Installing: //p' "$tmp/install.log" | sed "s|^$prefix/||" | sort

config=$(find "$prefix" -name tls13Config.cmake -print -quit)
[[ -n $config ]] || fail "no tls13Config.cmake installed under $prefix"
[[ -n $(find "$prefix" -name 'libtls13.*' -print -quit) ]] || fail "no libtls13.* installed under $prefix"
[[ -f $prefix/include/tls13/errors.hpp ]] || fail "public headers not installed under $prefix/include/tls13"

# The installed package must not point back at the build or source tree (a leaked BUILD_INTERFACE path).
if leaks=$(grep -rlF -e "$source_dir" -e "$binary_dir" "$(dirname "$config")"); then
  grep -rnF -e "$source_dir" -e "$binary_dir" "$(dirname "$config")" >&2
  fail "installed CMake package files refer to the source or build tree: $leaks"
fi
# Private headers (lib/) must not be installed.
if stray=$(find "$prefix/include" -type f ! -path "$prefix/include/tls13/*" | head -n 5) && [[ -n $stray ]]; then
  fail "unexpected files installed outside include/tls13/: $stray"
fi

echo "== configuring the consumer (a copy outside the source tree) against $prefix only"
cp -r "$consumer_dir" "$tmp/src"
args=(-S "$tmp/src" -B "$tmp/build" -G "$generator" -DCMAKE_BUILD_TYPE="$build_type"
      -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$prefix" -DTLS13_EXPECTED_PREFIX="$prefix"
      -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF
      -DCMAKE_EXPORT_COMPILE_COMMANDS=ON)
[[ -z $make_program ]] || args+=(-DCMAKE_MAKE_PROGRAM="$make_program")
[[ -z $ldflags ]] || args+=(-DCMAKE_EXE_LINKER_FLAGS="$ldflags" -DCMAKE_SHARED_LINKER_FLAGS="$ldflags")
# No tls13_DIR / tls13_ROOT from the environment either.
env -u tls13_DIR -u tls13_ROOT -u TLS13_ROOT -u CMAKE_PREFIX_PATH "$cmake" "${args[@]}" ||
  fail "configuring the consumer failed"

echo "== building the consumer"
"$cmake" --build "$tmp/build" --config "$build_type" ||
  fail "building the consumer failed"

# The consumer's compile lines must not reach into the source or build tree.
if grep -qF -e "$source_dir" -e "$binary_dir" "$tmp/build/compile_commands.json"; then
  grep -F -e "$source_dir" -e "$binary_dir" "$tmp/build/compile_commands.json" >&2
  fail "the consumer was compiled with paths into the tls13 source or build tree"
fi

exe=$(find "$tmp/build" -type f -name consumer -perm -u+x -print -quit)
[[ -n $exe ]] || fail "consumer executable not found"
# libssl must not come in through the exported link interface (OpenSSL::Crypto only).
if command -v readelf >/dev/null; then
  needed=$(readelf -d "$exe" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
  echo "consumer NEEDED: $(echo $needed)"
  if grep -qE '^libssl\.|^libboost' <<<"$needed"; then
    fail "the consumer links libssl or Boost through tls13::core"
  fi
fi

echo "== running the consumer"
"$exe" || fail "the consumer exited with status $?"
echo "install_consumer: PASS"
