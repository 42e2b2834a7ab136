#!/bin/sh
# Make sure nginx has a certificate before it starts: DIR/tls.crt (certificate, then its chain)
# and DIR/tls.key. Run by the compose "tls" service and by courtreform-tls.service (systemd).
#
#   both files there  -> the operator's pair: checked (readable, key matches) and used as is
#   neither is there  -> a self-signed pair is generated, and the log says so loudly
#   only one is there -> refuse (exit 1): a half-installed certificate is a mistake to fix
#
# The self-signed certificate names TLS_HOSTNAMES (comma-separated), else ALLOWED_HOSTS, plus
# localhost and 127.0.0.1. It encrypts the traffic, but browsers warn until the court's own
# certificate replaces it (等保三级 通信传输: encrypted from the first start, never plain HTTP).
#
# Usage: sh deploy/tls-init.sh [DIR]     (DIR defaults to /etc/nginx/tls)
set -eu

dir="${1:-/etc/nginx/tls}"
crt="$dir/tls.crt"
key="$dir/tls.key"

if [ -s "$crt" ] && [ -s "$key" ]; then
    if ! openssl x509 -in "$crt" -noout 2>/dev/null; then
        echo "tls: ERROR: $crt is not a PEM certificate" >&2
        exit 1
    fi
    if [ "$(openssl x509 -in "$crt" -noout -pubkey)" != "$(openssl pkey -in "$key" -pubout 2>/dev/null)" ]; then
        echo "tls: ERROR: $key is not the private key of $crt" >&2
        exit 1
    fi
    echo "tls: using the certificate in $crt ($(openssl x509 -in "$crt" -noout -subject), $(openssl x509 -in "$crt" -noout -enddate))"
    exit 0
fi

if [ -e "$crt" ] || [ -e "$key" ]; then
    echo "tls: ERROR: only one of $crt and $key is there (or one is empty); put both, or remove both to get a self-signed pair" >&2
    exit 1
fi

hosts="${TLS_HOSTNAMES:-${ALLOWED_HOSTS:-}}"
names=""
san=""
for name in $(echo "$hosts,localhost,127.0.0.1" | tr ',' ' '); do
    case " $names " in *" $name "*) continue ;; esac
    case "$name" in
        *[!0-9.]*) entry="DNS:$name" ;;
        *) entry="IP:$name" ;;
    esac
    names="$names $name"
    san="${san:+$san,}$entry"
done
names="${names# }"
common_name="${names%% *}"

mkdir -p "$dir"
umask 077
openssl req -x509 -newkey rsa:2048 -nodes -days 825 -sha256 \
    -subj "/O=Zhenggaitong self-signed/CN=$common_name" -addext "subjectAltName=$san" \
    -keyout "$key.new" -out "$crt.new" 2>/dev/null
chmod 644 "$crt.new"
mv "$key.new" "$key"
mv "$crt.new" "$crt"
echo "tls: WARNING: no certificate in $dir, so a SELF-SIGNED one was generated for: $names (valid 825 days)." >&2
echo "tls: browsers will warn about it. Put the court's certificate (with its chain) in $crt and its key in $key, then restart nginx." >&2
