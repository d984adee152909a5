#!/usr/bin/env bash
# Makes the certificates the deployment needs, with openssl, and the Secrets that carry
# them (written to a file, applied by you):
#
#   deploy/generate-certs.sh OUT_DIR [NAMESPACE]
#   kubectl apply -f OUT_DIR/secrets.yaml
#
#   serving-ca.crt            CA of the API server's serving certificate: the APIServices'
#                             caBundle (apiservice/fill-ca-bundle.sh OUT_DIR/serving-ca.crt)
#   serving.crt/.key          the API server's serving certificate, for
#                             cosmos-apiserver.NAMESPACE.svc  -> Secret cosmos-apiserver-serving
#   etcd-ca.crt               CA that etcd trusts for clients and that signs etcd's certificate
#   etcd-server.crt/.key      etcd's serving certificate        -> Secret cosmos-etcd-server
#   etcd-client.crt/.key      the API server's client certificate for etcd -> Secret cosmos-etcd-client
#   rib-ca.crt                CA of the rib subresource's mutual TLS between API server and agents
#   rib-agent.crt/.key        the agents' RIB endpoint certificate (one for all nodes: the API
#                             server checks it against rib-ca and pins its fingerprint, which
#                             the agent registers on its routers)  -> Secret cosmos-agent-rib
#   rib-client.crt/.key       the API server's client certificate for agents
#                                                                 -> Secret cosmos-apiserver-rib-client
#
# The CA keys stay in OUT_DIR (keep them safe, or delete them and re-run to start over).
# Running the script again keeps existing CAs and issues new leaf certificates: apply the
# new secrets.yaml and the API server picks up its new serving certificate without a
# restart (etcd reloads its own certificates per connection; the API server reads its
# etcd client certificate at start, so restart it after rotating that one).
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
  echo "usage: $0 OUT_DIR [NAMESPACE]" >&2
  exit 2
fi
out=$1
namespace=${2:-cosmos-system}
leaf_days=${LEAF_DAYS:-365}
ca_days=${CA_DAYS:-3650}
mkdir -p "$out"
chmod 700 "$out"
cd "$out"

new_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; chmod 600 "$1"; }

# ca NAME COMMON_NAME: a self-signed CA, made once.
ca() {
  [[ -f $1.crt && -f $1.key ]] && return
  new_key "$1.key"
  openssl req -x509 -new -key "$1.key" -subj "/CN=$2" -days "$ca_days" -out "$1.crt" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash"
}

# leaf NAME CA COMMON_NAME EXTENDED_KEY_USAGE [SUBJECT_ALT_NAMES]
leaf() {
  local ext
  ext=$(mktemp)
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature"
    echo "extendedKeyUsage=$4"
    echo "subjectKeyIdentifier=hash"
    echo "authorityKeyIdentifier=keyid"
    [[ -n ${5:-} ]] && echo "subjectAltName=$5"
  } >"$ext"
  new_key "$1.key"
  openssl req -new -key "$1.key" -subj "/CN=$3" |
    openssl x509 -req -CA "$2.crt" -CAkey "$2.key" -set_serial "0x$(openssl rand -hex 16)" \
      -days "$leaf_days" -extfile "$ext" -out "$1.crt" 2>/dev/null
  rm -f "$ext"
}

service=cosmos-apiserver.$namespace
etcd=cosmos-etcd.$namespace

ca serving-ca cosmos-apiserver-ca
# The aggregator connects to <service>.<namespace>.svc and checks that name.
leaf serving serving-ca cosmos-apiserver serverAuth \
  "DNS:$service.svc,DNS:$service.svc.cluster.local,DNS:$service,DNS:cosmos-apiserver"

ca etcd-ca cosmos-etcd-ca
leaf etcd-server etcd-ca cosmos-etcd serverAuth \
  "DNS:cosmos-etcd-0.$etcd.svc,DNS:cosmos-etcd-0.$etcd.svc.cluster.local,DNS:$etcd.svc,DNS:localhost,IP:127.0.0.1"
leaf etcd-client etcd-ca cosmos-apiserver clientAuth

ca rib-ca cosmos-rib-ca
leaf rib-agent rib-ca cosmos-agent serverAuth
leaf rib-client rib-ca cosmos-apiserver clientAuth

{
  kubectl create secret tls cosmos-apiserver-serving --namespace "$namespace" \
    --cert serving.crt --key serving.key --dry-run=client -o yaml
  echo ---
  kubectl create secret generic cosmos-etcd-server --namespace "$namespace" \
    --from-file ca.crt=etcd-ca.crt --from-file tls.crt=etcd-server.crt --from-file tls.key=etcd-server.key \
    --dry-run=client -o yaml
  echo ---
  kubectl create secret generic cosmos-etcd-client --namespace "$namespace" \
    --from-file ca.crt=etcd-ca.crt --from-file tls.crt=etcd-client.crt --from-file tls.key=etcd-client.key \
    --dry-run=client -o yaml
  echo ---
  kubectl create secret generic cosmos-agent-rib --namespace "$namespace" \
    --from-file ca.crt=rib-ca.crt --from-file tls.crt=rib-agent.crt --from-file tls.key=rib-agent.key \
    --dry-run=client -o yaml
  echo ---
  kubectl create secret generic cosmos-apiserver-rib-client --namespace "$namespace" \
    --from-file ca.crt=rib-ca.crt --from-file tls.crt=rib-client.crt --from-file tls.key=rib-client.key \
    --dry-run=client -o yaml
} >secrets.yaml
chmod 600 secrets.yaml

echo "certificates and $out/secrets.yaml written for namespace $namespace"
