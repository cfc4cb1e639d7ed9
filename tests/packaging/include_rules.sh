#!/usr/bin/env bash
# ctest include_rules: the dependency rules of docs/ARCHITECTURE (design) on #include lines.
#   1. nothing in lib/ or include/ includes a libssl header (<openssl/ssl.h>, ssl2/ssl3/tls1/dtls1/srtp...)
#      or any Boost header;
#   2. only lib/crypto and lib/x509 include <openssl/...> headers;
#   3. include/ (the public headers) includes no <openssl/...> header at all;
#   4. transitively: a repository header that (directly or through other repository headers) includes
#      <openssl/...> is itself only included from lib/crypto and lib/x509.
# usage: include_rules.sh SOURCE_DIR
set -euo pipefail
root=${1:?usage: $0 SOURCE_DIR}
cd "$root"
[[ -d lib && -d include ]] || { echo "FAIL: $root has no lib/ and include/" >&2; exit 1; }

status=0
bad() { echo "FAIL: $*" >&2; status=1; }
allowed_openssl='^lib/(crypto|x509)/'

mapfile -t files < <(find lib include -type f \( -name '*.hpp' -o -name '*.h' -o -name '*.cpp' -o -name '*.cc' \
                       -o -name '*.ipp' -o -name '*.inc' \) | sort)
((${#files[@]} > 0)) || { echo "FAIL: no sources under lib/ and include/" >&2; exit 1; }
echo "checking ${#files[@]} files under lib/ and include/"

# All #include lines, as "file:line:text" (comments after the include are kept; that is fine for matching).
includes=$(grep -HnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]' "${files[@]}" || true)

libssl_re='#[[:space:]]*include[[:space:]]*[<"](openssl/(ssl|ssl2|ssl3|tls1|dtls1|srtp|sslerr|sslerr_legacy|quic)\.h|boost/)'
if hits=$(grep -E "$libssl_re" <<<"$includes"); then
  bad "libssl or Boost headers included from lib/ or include/:"; sed 's/^/    /' <<<"$hits" >&2
fi

openssl_re='#[[:space:]]*include[[:space:]]*[<"]openssl/'
if hits=$(grep -E "$openssl_re" <<<"$includes" | grep -vE "$allowed_openssl"); then
  bad "<openssl/...> included outside lib/crypto and lib/x509:"; sed 's/^/    /' <<<"$hits" >&2
fi

# 4. Transitive closure over quoted includes. A quoted include "a/b.hpp" is resolved like the build does:
#    next to the including file, then lib/, then include/.
declare -A tainted=()  # repository header -> why it pulls in OpenSSL
while IFS=: read -r f _ text; do
  if [[ $text =~ \<openssl/ ]]; then tainted[$f]="includes ${text#*include[[:space:]]}"; fi
done < <(grep -E "$openssl_re" <<<"$includes" || true)

declare -a edges=()  # "includer|included"
while IFS=: read -r f _ text; do
  [[ $text =~ \#[[:space:]]*include[[:space:]]*\"([^\"]+)\" ]] || continue
  inc=${BASH_REMATCH[1]}
  for cand in "$(dirname "$f")/$inc" "lib/$inc" "include/$inc"; do
    if [[ -f $cand ]]; then
      edges+=("$f|$(realpath --relative-to=. "$cand")")
      break
    fi
  done
done <<<"$includes"

changed=1
while ((changed)); do
  changed=0
  for e in "${edges[@]}"; do
    from=${e%%|*} to=${e#*|}
    if [[ -n ${tainted[$to]:-} && -z ${tainted[$from]:-} ]]; then
      tainted[$from]="includes \"$to\" (which ${tainted[$to]})"
      changed=1
    fi
  done
done
for f in $(printf "%s\n" "${!tainted[@]}" | sort); do
  if [[ ! $f =~ $allowed_openssl ]]; then
    bad "$f pulls in OpenSSL headers indirectly: $f ${tainted[$f]}"
  fi
done

n_tainted=${#tainted[@]}
echo "${#edges[@]} quoted includes resolved; $n_tainted files reach <openssl/...>, all of them in lib/crypto or lib/x509" \
  | { ((status == 0)) && cat || true; }
((status == 0)) && echo "include_rules: PASS"
exit $status
