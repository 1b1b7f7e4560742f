#!/usr/bin/env bash
# gen_tls.sh - make the simulator's local CA and server certificate.
#
# Usage: sim/gen_tls.sh [DIR]          (default DIR = build/tls)
#
# Writes DIR/ca.pem (the CA a client must trust), DIR/ca.key,
# DIR/server.pem (server cert + CA, for 127.0.0.1 and localhost) and
# DIR/server.key. EC P-256, valid 825 days. Does nothing when
# DIR/server.pem already exists and verifies against DIR/ca.pem.
# Needs the openssl command-line tool (Debian: package openssl).
set -euo pipefail
dir=${1:-build/tls}
mkdir -p "$dir"
if [ -s "$dir/server.pem" ] && [ -s "$dir/server.key" ] && [ -s "$dir/ca.pem" ] &&
	openssl verify -CAfile "$dir/ca.pem" "$dir/server.pem" >/dev/null 2>&1; then
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/ca.key" 2>/dev/null
openssl req -x509 -new -key "$tmp/ca.key" -sha256 -days 825 \
	-subj "/CN=talon venue local CA" \
	-addext "basicConstraints=critical,CA:TRUE" \
	-addext "keyUsage=critical,keyCertSign,cRLSign" \
	-out "$tmp/ca.pem" 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/server.key" 2>/dev/null
openssl req -new -key "$tmp/server.key" -subj "/CN=localhost" \
	-out "$tmp/server.csr" 2>/dev/null
cat >"$tmp/ext.cnf" <<'EXT'
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost
EXT
openssl x509 -req -in "$tmp/server.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" \
	-CAcreateserial -days 825 -sha256 -extfile "$tmp/ext.cnf" \
	-out "$tmp/server.crt" 2>/dev/null
cat "$tmp/server.crt" "$tmp/ca.pem" >"$tmp/server.pem"
chmod 600 "$tmp/server.key" "$tmp/ca.key"
mv "$tmp/ca.key" "$tmp/ca.pem" "$tmp/server.key" "$tmp/server.pem" "$dir/"
