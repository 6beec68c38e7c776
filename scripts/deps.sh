#!/bin/bash
# Installs Nestor's build dependencies (and, with --test, everything the tests use) from Debian.
set -euo pipefail
build_pkgs=(meson ninja-build pkg-config gcc libjansson-dev libevent-dev libssl-dev libpq-dev libmariadb-dev iproute2)
test_pkgs=(libcmocka-dev clang libclang-rt-14-dev python3 python3-pytest python3-pytest-xdist python3-scapy
           kea-dhcp4-server kea-dhcp6-server kea-admin kea-common kea-ctrl-agent isc-dhcp-client dhcpcd-base busybox
           kea-doc procps postgresql-15 mariadb-server mariadb-client)
pkgs=("${build_pkgs[@]}")
[ "${1:-}" = "--test" ] && pkgs+=("${test_pkgs[@]}")
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# Debian starts the Kea services on install; the tests run their own servers.
for svc in kea-dhcp4-server kea-dhcp6-server kea-ctrl-agent kea-dhcp-ddns-server postgresql mariadb; do
  systemctl stop "$svc" >/dev/null 2>&1 || true
done
pkill -x kea-dhcp4 >/dev/null 2>&1 || true
pkill -x kea-dhcp6 >/dev/null 2>&1 || true
pkill -x kea-ctrl-agent >/dev/null 2>&1 || true
exit 0
