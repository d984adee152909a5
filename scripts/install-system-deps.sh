#!/usr/bin/env bash
# Installs the system packages the tests drive for real: etcd (etcd-server), FRR (frr:
# zebra, bgpd, staticd, vtysh), iproute2 and kubectl's presence is checked. Safe to run
# repeatedly; does nothing when everything is present.
set -euo pipefail

need=()
command -v etcd >/dev/null 2>&1 || need+=(etcd-server)
{ command -v vtysh >/dev/null 2>&1 && [ -x /usr/lib/frr/bgpd ]; } || need+=(frr)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v protoc >/dev/null 2>&1 || need+=(protobuf-compiler)

if [ ${#need[@]} -gt 0 ]; then
  echo "installing system packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# The Debian frr package starts a system-wide FRR; tests run their own daemons per
# network namespace, so the system instance is not needed.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet frr 2>/dev/null; then
  systemctl stop frr || true
fi

command -v kubectl >/dev/null 2>&1 || { echo "kubectl is missing: it is expected on every machine" >&2; exit 1; }
