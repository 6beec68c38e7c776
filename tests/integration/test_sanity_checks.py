"""sanity-checks (lease-checks) on leases read from the lease file, as Kea 2.2: a lease whose
subnet-id does not name the subnet holding its address is kept, moved, or dropped."""
import time

import pytest

from conftest import basic_config

HEADER = ("address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,"
          "user_context\n")


@pytest.mark.parametrize("mode,expect", [
    ("none", {"192.0.2.150": 7, "10.9.9.9": 1}),
    ("warn", {"192.0.2.150": 7, "10.9.9.9": 1}),
    ("fix", {"192.0.2.150": 1, "10.9.9.9": 1}),
    ("fix-del", {"192.0.2.150": 1}),
    ("del", {}),
    (None, {"192.0.2.150": 7, "10.9.9.9": 1}),        # Kea's default is warn
])
def test_lease_checks_on_load(lan, server, mode, expect):
    cfg = basic_config()
    if mode:
        cfg["Dhcp4"]["sanity-checks"] = {"lease-checks": mode}
    srv = server(cfg, start=False)
    exp = int(time.time()) + 3600
    with open(srv.lease_file, "w") as f:
        f.write(HEADER)
        f.write(f"192.0.2.150,02:00:00:00:30:01,,3600,{exp},7,0,0,,0,\n")
        f.write(f"10.9.9.9,02:00:00:00:30:02,,3600,{exp},1,0,0,,0,\n")
        f.write(f"192.0.2.151,02:00:00:00:30:03,,3600,{exp},1,0,0,,0,\n")     # consistent
    srv.start()
    leases = {l["ip-address"]: l["subnet-id"] for l in srv.cmd("lease4-get-all")["arguments"]["leases"]}
    assert leases == dict(expect, **{"192.0.2.151": 1}), leases
    log = open(srv.log_path).read()
    if mode in ("warn", None):
        assert log.count("DHCPSRV_LEASE_SANITY_FAIL ") == 2, log[-2000:]
    if mode in ("fix", "fix-del"):
        assert "DHCPSRV_LEASE_SANITY_FIXED" in log
    if mode in ("fix-del", "del"):
        assert "DHCPSRV_LEASE_SANITY_FAIL_DISCARD" in log


def test_bad_lease_checks_value(tmp_path):
    import json
    import subprocess
    from conftest import NESTOR
    p = tmp_path / "c.json"
    p.write_text(json.dumps(basic_config(**{"sanity-checks": {"lease-checks": "maybe"}})))
    r = subprocess.run([NESTOR, "-t", str(p)], capture_output=True, text=True)
    assert r.returncode == 1 and "lease-checks" in r.stderr and "maybe" in r.stderr, r.stderr
