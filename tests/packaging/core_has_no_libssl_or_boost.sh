#!/usr/bin/env bash
# ctest core_has_no_libssl_or_boost: the built core library (libtls13, static or shared) must not depend on
# libssl or on any Boost library. It may use libcrypto only.
#
# usage: core_has_no_libssl_or_boost.sh LIBRARY TYPE [LIBCRYPTO]
#   TYPE: STATIC_LIBRARY or SHARED_LIBRARY (the target's TYPE property)
#   LIBCRYPTO: the libcrypto the core links; libssl is looked for beside it, and when found the check is
#              exact: no undefined symbol of the core may be one that libssl defines.
set -euo pipefail
[[ $# -ge 2 ]] || { echo "usage: $0 LIBRARY STATIC_LIBRARY|SHARED_LIBRARY [LIBCRYPTO]" >&2; exit 2; }
lib=$1 type=$2 libcrypto=${3:-}
for tool in nm readelf c++filt; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not found (Debian package binutils)"; exit 77; }
done
[[ -f $lib ]] || { echo "FAIL: $lib does not exist" >&2; exit 1; }
echo "checking $lib ($type)"

status=0
bad() { echo "FAIL: $*" >&2; status=1; }

case $type in
  STATIC_LIBRARY) nm_args=() ;;
  SHARED_LIBRARY) nm_args=(-D) ;;
  *) echo "FAIL: unexpected library type $type" >&2; exit 1 ;;
esac

undefined=$(nm "${nm_args[@]}" --undefined-only --format=posix "$lib" 2>/dev/null | awk 'NF >= 2 && $1 !~ /:$/ {print $1}' |
            sed 's/@.*//' | sort -u)
all=$(nm "${nm_args[@]}" --format=posix "$lib" 2>/dev/null | awk 'NF >= 2 && $1 !~ /:$/ {print $1}' | sort -u)
[[ -n $all ]] || { echo "FAIL: nm found no symbols in $lib" >&2; exit 1; }
echo "$(wc -l <<<"$undefined") undefined symbols, $(wc -l <<<"$all") symbols in all"

# 1. The libssl API by name: SSL_*, SSL_CTX_*, TLS_method & co, DTLS*, SSLv*/TLSv1* methods, OPENSSL_init_ssl,
#    BIO_f_ssl / BIO_new_ssl*, (d2i|i2d|PEM_*)_SSL_SESSION, ERR_load_SSL_strings.
ssl_re='^(SSL_|SSL_CTX_|SSL_SESSION_|DTLS|TLS_(client_|server_)?method$|TLSv1|SSLv[23]|OPENSSL_init_ssl$|BIO_(f_ssl|new_ssl|new_ssl_connect|new_buffer_ssl_connect|ssl_)|(d2i|i2d)_SSL_SESSION|PEM_(read|write)(_bio)?_SSL_SESSION|ERR_load_SSL_strings$)'
if hits=$(grep -E "$ssl_re" <<<"$undefined"); then
  bad "the core uses the libssl API:"; sed 's/^/    /' <<<"$hits" >&2
fi

# 2. Exact: nothing undefined in the core may be defined by libssl (found beside libcrypto).
libssl=
if [[ -n $libcrypto ]]; then
  dir=$(dirname "$(readlink -f "$libcrypto")")
  libssl=$(find "$dir" -maxdepth 1 -name 'libssl.so*' -type f -print -quit)
fi
if [[ -n $libssl ]]; then
  ssl_defined=$(nm -D --defined-only --format=posix "$libssl" | awk '{print $1}' | sed 's/@.*//' | sort -u)
  if hits=$(comm -12 <(echo "$undefined") <(echo "$ssl_defined")) && [[ -n $hits ]]; then
    bad "undefined symbols of the core that $libssl defines:"; sed 's/^/    /' <<<"$hits" >&2
  else
    echo "ok: none of the core's undefined symbols is defined by $libssl ($(wc -l <<<"$ssl_defined") exports)"
  fi
else
  echo "note: no libssl.so beside '${libcrypto:-?}'; only the name-based libssl check ran"
fi

# 3. Boost: no boost:: symbol at all, defined (header-only instantiations) or undefined.
if hits=$(c++filt <<<"$all" | grep -E '(^|[^A-Za-z0-9_])boost::'); then
  bad "the core has Boost symbols:"; head -n 20 <<<"$hits" | sed 's/^/    /' >&2
fi

# 4. Shared library: its dynamic dependencies.
if [[ $type == SHARED_LIBRARY ]]; then
  needed=$(readelf -d "$lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
  echo "NEEDED: $(echo $needed)"
  if hits=$(grep -E '^(libssl|libboost)' <<<"$needed"); then
    bad "the core's shared library needs: $hits"
  fi
  grep -q '^libcrypto\.so' <<<"$needed" || bad "the core's shared library does not need libcrypto (unexpected)"
fi

# 5. Sanity: the core really uses libcrypto (so the checks above looked at the right file).
grep -qE '^EVP_' <<<"$undefined" || bad "no undefined EVP_* symbol: is $lib really the core?"

((status == 0)) && echo "core_has_no_libssl_or_boost: PASS"
exit $status
