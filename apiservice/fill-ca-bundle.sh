#!/usr/bin/env bash
# Writes the serving CA into the APIService manifests' caBundle, so kube-apiserver's
# aggregator verifies the cosmos-apiserver serving certificate against it.
#
#   apiservice/fill-ca-bundle.sh CA_FILE
#
# CA_FILE is the PEM CA that signed the serving certificate (ca.crt from
# deploy/generate-certs.sh). The manifests next to this script are edited in place;
# running it again with another CA replaces the previous bundle.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 CA_FILE" >&2
  exit 2
fi
ca_file=$1
if ! openssl x509 -in "$ca_file" -noout 2>/dev/null; then
  echo "$ca_file: not a PEM certificate" >&2
  exit 1
fi

bundle=$(base64 -w0 <"$ca_file")
dir=$(cd "$(dirname "$0")" && pwd)
for manifest in "$dir"/v1alpha1.*.yaml; do
  # base64 output holds no character that is special in a sed replacement except '/',
  # hence '|' as the delimiter.
  sed -i -E "s|^(  caBundle:).*|\1 ${bundle}|" "$manifest"
  echo "filled caBundle in ${manifest#"$dir"/}"
done
