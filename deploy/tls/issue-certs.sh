#!/bin/sh
# A small private CA for powerprof's mTLS, with openssl:
#   issue-certs.sh DIR ca                          DIR/ca.key, DIR/ca.crt
#   issue-certs.sh DIR collector NAME [SAN...]     DIR/collector.key, .crt (SANs like IP:10.0.0.5 DNS:collector.lan)
#   issue-certs.sh DIR node NODE_ID                DIR/NODE_ID.key, .crt: CN and DNS SAN = the node id,
#                                                  which is the node id the collector lets it write as
# DAYS sets the validity (default 825). Keys are EC P-256, written mode 0600.
set -eu
usage() { sed -n '2,8p' "$0" >&2; exit 2; }
[ $# -ge 2 ] || usage
dir=$1 kind=$2
shift 2
days=${DAYS:-825}
mkdir -p "$dir"
umask 077

new_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

sign() { # name subject extensions
  new_key "$dir/$1.key"
  openssl req -new -key "$dir/$1.key" -subj "$2" -out "$dir/$1.csr"
  printf '%s\n' "$3" > "$dir/$1.ext"
  openssl x509 -req -in "$dir/$1.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
    -days "$days" -sha256 -extfile "$dir/$1.ext" -out "$dir/$1.crt" 2>/dev/null
  rm -f "$dir/$1.csr" "$dir/$1.ext"
  chmod 644 "$dir/$1.crt"
  echo "$dir/$1.crt"
}

case $kind in
  ca)
    new_key "$dir/ca.key"
    openssl req -x509 -new -key "$dir/ca.key" -subj "/CN=powerprof CA" -days "$days" -sha256 -out "$dir/ca.crt"
    chmod 644 "$dir/ca.crt"
    echo "$dir/ca.crt"
    ;;
  collector)
    [ $# -ge 1 ] || usage
    name=$1
    shift
    sans="DNS:$name"
    for san in "$@"; do sans="$sans,$san"; done
    sign collector "/CN=$name" "subjectAltName=$sans
extendedKeyUsage=serverAuth"
    ;;
  node)
    [ $# -eq 1 ] || usage
    case $1 in *[!A-Za-z0-9._-]*|'') echo "issue-certs.sh: \"$1\" is not a node id (letters, digits, . _ -)" >&2; exit 2 ;; esac
    sign "$1" "/CN=$1" "subjectAltName=DNS:$1
extendedKeyUsage=clientAuth"
    ;;
  *) usage ;;
esac
