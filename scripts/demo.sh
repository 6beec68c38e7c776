#!/bin/bash
# Builds nestor-dhcp4, starts it on the embedded memfile default inside a private network
# namespace, lets a real DHCP client (ISC dhclient) get a lease over a veth pair, and prints the
# lease. Nothing touches the machine's real interfaces; the namespaces are removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "run as root (network namespaces need it)"; exit 1; }
bash scripts/deps.sh
dpkg-query -W -f='${Status}' isc-dhcp-client 2>/dev/null | grep -q "ok installed" ||
  { export DEBIAN_FRONTEND=noninteractive; apt-get install -y -q isc-dhcp-client; }
[ -d build ] || meson setup build -Dtests=false >/dev/null
ninja -C build src/dhcp4/nestor-dhcp4 >/dev/null

W=$(mktemp -d /tmp/nestor-demo.XXXXXX)
SRV=nestor-demo-srv CLI=nestor-demo-cli
cleanup() {
  [ -n "${PID:-}" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
  ip netns pids $CLI 2>/dev/null | xargs -r kill 2>/dev/null || true
  ip netns del $SRV 2>/dev/null || true; ip netns del $CLI 2>/dev/null || true
}
trap cleanup EXIT
cleanup
ip netns add $SRV; ip netns add $CLI
ip link add nd-srv type veth peer name nd-cli
ip link set nd-srv netns $SRV; ip link set nd-cli netns $CLI
ip -n $SRV addr add 192.0.2.1/24 dev nd-srv
ip -n $SRV link set nd-srv up; ip -n $CLI link set nd-cli up
ip -n $SRV link set lo up; ip -n $CLI link set lo up

cat > "$W/kea-dhcp4.conf" <<CONF
// An ordinary Kea 2.2 configuration: memfile lease storage (the embedded default).
{ "Dhcp4": {
    "interfaces-config": { "interfaces": [ "nd-srv" ] },
    "control-socket": { "socket-type": "unix", "socket-name": "$W/ctrl.sock" },
    "lease-database": { "type": "memfile", "name": "$W/kea-leases4.csv" },
    "valid-lifetime": 3600, "renew-timer": 900, "rebind-timer": 1800,
    "subnet4": [ { "id": 1, "subnet": "192.0.2.0/24",
                   "pools": [ { "pool": "192.0.2.100 - 192.0.2.199" } ],
                   "option-data": [ { "name": "routers", "data": "192.0.2.1" },
                                    { "name": "domain-name-servers", "data": "192.0.2.53" } ] } ],
    "loggers": [ { "name": "kea-dhcp4", "severity": "INFO",
                   "output_options": [ { "output": "$W/nestor.log" } ] } ]
} }
CONF
KEA_PIDFILE_DIR=$W ip netns exec $SRV build/src/dhcp4/nestor-dhcp4 -c "$W/kea-dhcp4.conf" &
PID=$!
for _ in $(seq 50); do [ -S "$W/ctrl.sock" ] && break; sleep 0.1; done

cat > "$W/client-script" <<'SCRIPT'
#!/bin/sh
case "$reason" in BOUND|RENEW|REBOOT)
  echo "client got $new_ip_address/$new_subnet_mask router=$new_routers dns=$new_domain_name_servers lease=${new_dhcp_lease_time}s";;
esac
SCRIPT
chmod +x "$W/client-script"
ip netns exec $CLI dhclient -1 -4 -v -sf "$W/client-script" -lf "$W/dhclient.leases" -pf "$W/dhclient.pid" nd-cli 2>&1 |
  grep -E "DHCP(DISCOVER|OFFER|REQUEST|ACK)|client got" || true
ip netns exec $CLI dhclient -x -pf "$W/dhclient.pid" >/dev/null 2>&1 || true

echo "--- the server's answer to lease4-get-all over its control socket:"
python3 - "$W/ctrl.sock" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(b'{"command": "lease4-get-all"}')
data = b""
while chunk := s.recv(65536): data += chunk
print(json.dumps(json.loads(data), indent=2))
PY
echo "--- lease file ($W/kea-leases4.csv):"
cat "$W/kea-leases4.csv"
