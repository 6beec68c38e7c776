#!/bin/bash
# Start-up time and memory of nestor-dhcp4 with a large memfile lease file (default 1,000,000
# leases): time from exec until the control socket answers, and RSS per lease.
#   bench/startup.sh [LEASES]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
N=${1:-1000000}
NESTOR=${NESTOR:-$HERE/../build/src/dhcp4/nestor-dhcp4}
W=$(mktemp -d /tmp/nestor-startup.XXXXXX)
trap 'kill $PID 2>/dev/null || true; rm -rf "$W"' EXIT
python3 - "$W/leases4.csv" "$N" <<'PY'
import random, sys, time
path, n = sys.argv[1], int(sys.argv[2])
now = int(time.time())
with open(path, "w") as f:
    f.write("address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context\n")
    base = (10 << 24) | (1 << 16)
    for i in range(n):
        a = base + i
        ip = f"{a >> 24}.{(a >> 16) & 255}.{(a >> 8) & 255}.{a & 255}"
        mac = ":".join(f"{b:02x}" for b in (2, 0, (i >> 24) & 255, (i >> 16) & 255, (i >> 8) & 255, i & 255))
        cid = "01:" + mac
        host = f"host-{i}.example.org" if i % 2 else ""
        f.write(f"{ip},{mac},{cid},86400,{now + 86400 - random.randint(0, 80000)},1,0,0,{host},0,\n")
PY
cat > "$W/conf.json" <<CONF
{ "Dhcp4": { "interfaces-config": { "interfaces": [] },
  "control-socket": { "socket-type": "unix", "socket-name": "$W/ctrl.sock" },
  "lease-database": { "type": "memfile", "name": "$W/leases4.csv", "lfc-interval": 0 },
  "subnet4": [ { "id": 1, "subnet": "10.0.0.0/8", "pools": [ { "pool": "10.1.0.0 - 10.255.255.254" } ] } ],
  "loggers": [ { "name": "kea-dhcp4", "severity": "WARN", "output_options": [ { "output": "$W/log" } ] } ] } }
CONF
echo "lease file: $N leases, $(du -m "$W/leases4.csv" | cut -f1) MB"
start=$(date +%s.%N)
KEA_PIDFILE_DIR=$W "$NESTOR" -c "$W/conf.json" &
PID=$!
until python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b'{\"command\":\"version-get\"}'); s.recv(100)" "$W/ctrl.sock" 2>/dev/null; do
  sleep 0.01
done
end=$(date +%s.%N)
rss_kb=$(awk '/VmRSS/ {print $2}' /proc/$PID/status)
count=$(python3 -c "import json,socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b'{\"command\":\"statistic-get\",\"arguments\":{\"name\":\"subnet[1].assigned-addresses\"}}'); d=b''
while (c:=s.recv(65536)): d+=c
print(json.loads(d)['arguments']['subnet[1].assigned-addresses'][0][0])" "$W/ctrl.sock")
echo "ready after $(python3 -c "print(round($end - $start, 2))") s; RSS $((rss_kb / 1024)) MB = $((rss_kb * 1024 / N)) bytes per lease; assigned-addresses $count"
