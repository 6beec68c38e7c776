"""lease4-* commands with bad arguments answer as Kea 2.2's lease_cmds (issue 9 part 10): the same
result codes, and Kea's text where it is short and plain; list-commands lists exactly the commands
served. Each test runs on Nestor and on Debian's kea-dhcp4 2.2 with the lease_cmds hook."""
import glob
import os

from conftest import basic_config
from test_protocol_kea import impl  # noqa: F401  (the fixture: one test on Nestor and on Kea)

CASES = [  # (command, arguments, Kea 2.2's result, its text when Nestor's is the same)
    ("lease4-add", None, 1, "no parameters specified for the command"),
    ("lease4-add", {}, 1, "missing parameter 'ip-address'"),
    ("lease4-add", {'ip-address': '192.0.2.120'}, 1, "missing parameter 'hw-address'"),
    ("lease4-add", {'ip-address': 'x', 'hw-address': '02:00:00:00:bb:01'}, 1, None),
    ("lease4-add", {'ip-address': 5, 'hw-address': '02:00:00:00:bb:01'}, 1, "invalid type specified for parameter 'ip-address'"),
    ("lease4-add", {'ip-address': '192.0.2.120', 'hw-address': 'zz'}, 1, None),
    ("lease4-add", {'ip-address': '192.0.2.120', 'hw-address': 12}, 1, "invalid type specified for parameter 'hw-address'"),
    ("lease4-add", {'ip-address': '10.9.9.9', 'hw-address': '02:00:00:00:bb:01'}, 1, "subnet-id not specified and failed to find a subnet for address 10.9.9.9"),
    ("lease4-add", {'ip-address': '192.0.2.120', 'hw-address': '02:00:00:00:bb:01', 'subnet-id': 7}, 1, "Invalid subnet-id: No IPv4 subnet with subnet-id=7 currently configured."),
    ("lease4-add", {'ip-address': '192.0.2.120', 'hw-address': '02:00:00:00:bb:01', 'subnet-id': '1'}, 1, "invalid type specified for parameter 'subnet-id'"),
    ("lease4-add", {'ip-address': '192.0.2.120', 'hw-address': '02:00:00:00:bb:01', 'valid-lft': 'x'}, 1, "invalid type specified for parameter 'valid-lft'"),
    ("lease4-add", {'ip-address': '192.0.2.120', 'hw-address': '02:00:00:00:bb:01', 'state': 9}, 1, None),
    ("lease4-add", {'ip-address': '192.0.2.120', 'hw-address': '02:00:00:00:bb:01', 'bogus': 1}, 0, "Lease for address 192.0.2.120, subnet-id 1 added."),
    ("lease4-add", {'ip-address': '192.0.2.120', 'hw-address': '02:00:00:00:bb:01', 'user-context': 3}, 1, None),
    ("lease4-add", {'ip-address': '192.0.2.110', 'hw-address': '02:00:00:00:bb:01'}, 1, "IPv4 lease already exists."),
    ("lease4-add", {'ip-address': '192.0.2.121', 'hw-address': '02:00:00:00:bb:01', 'fqdn-fwd': True}, 1, "No hostname specified and either forward or reverse fqdn was set to true."),
    ("lease4-add", {'ip-address': '192.0.2.122', 'hw-address': '02:00:00:00:bb:01', 'expire': 5, 'cltt': 1}, 1, "expiration time must be greater than valid lifetime for address 192.0.2.122"),
    ("lease4-add", {'ip-address': '192.0.2.123', 'hw-address': '02:00:00:00:bb:01', 'client-id': 'zz'}, 1, None),
    ("lease4-get", None, 1, "Parameters missing or are not a map."),
    ("lease4-get", {}, 1, "Mandatory 'subnet-id' parameter missing."),
    ("lease4-get", {'ip-address': 'x'}, 1, None),
    ("lease4-get", {'ip-address': 1}, 1, "'ip-address' is not a string."),
    ("lease4-get", {'ip-address': '192.0.2.199'}, 3, "Lease not found."),
    ("lease4-get", {'ip-address': '2001:db8::1'}, 1, "Invalid IPv4 address specified: 2001:db8::1"),
    ("lease4-get", {'identifier-type': 'hw-address', 'identifier': '02:00:00:00:aa:01'}, 1, "Mandatory 'subnet-id' parameter missing."),
    ("lease4-get", {'identifier-type': 'hw-address', 'subnet-id': 1}, 1, "No 'ip-address' provided and 'identifier' is either missing or not a string."),
    ("lease4-get", {'identifier': '02:00:00:00:aa:01', 'subnet-id': 1}, 1, "No 'ip-address' provided and 'identifier-type' is either missing or not a string."),
    ("lease4-get", {'identifier-type': 'duid', 'identifier': '01:02:03', 'subnet-id': 1}, 1, "Query by duid is not allowed in v4."),
    ("lease4-get", {'identifier-type': 'foo', 'identifier': '01:02:03', 'subnet-id': 1}, 1, "Incorrect identifier type: foo, the only supported values are: address, hw-address, duid"),
    ("lease4-get", {'identifier-type': 'hw-address', 'identifier': 'zz', 'subnet-id': 1}, 1, None),
    ("lease4-get", {'identifier-type': 'hw-address', 'identifier': '02:00:00:00:aa:01', 'subnet-id': '1'}, 1, "'subnet-id' parameter is not integer."),
    ("lease4-get", {'identifier-type': 'hw-address', 'identifier': '02:00:00:00:aa:01', 'subnet-id': 1}, 0, "IPv4 lease found."),
    ("lease4-get", {'identifier-type': 'client-id', 'identifier': '01:02:03', 'subnet-id': 1}, 0, "IPv4 lease found."),
    ("lease4-get", {'identifier-type': 'hw-address', 'identifier': '02:00:00:00:aa:09', 'subnet-id': 1}, 3, "Lease not found."),
    ("lease4-get", {'ip-address': '192.0.2.110', 'subnet-id': 5}, 0, "IPv4 lease found."),
    ("lease4-get", {'ip-address': '192.0.2.110', 'bogus': 5}, 0, "IPv4 lease found."),
    ("lease4-get-all", {'subnets': []}, 3, None),
    ("lease4-get-all", {'subnets': ['1']}, 1, "listed subnet identifiers must be numbers"),
    ("lease4-get-all", {'subnets': [0]}, 3, None),
    ("lease4-get-all", {'subnets': [99]}, 3, None),
    ("lease4-get-all", None, 0, None),
    ("lease4-get-all", [], 1, None),
    ("lease4-get-page", None, 1, "no parameters specified for the lease4-get-page command"),
    ("lease4-get-page", {}, 1, "'from' parameter not specified"),
    ("lease4-get-page", {'from': 'start'}, 1, "'limit' parameter not specified"),
    ("lease4-get-page", {'limit': 5}, 1, "'from' parameter not specified"),
    ("lease4-get-page", {'from': 'start', 'limit': 0}, 1, "page size of retrieved leases must not be 0"),
    ("lease4-get-page", {'from': 'start', 'limit': '5'}, 1, "'limit' parameter must be a number"),
    ("lease4-get-page", {'from': 'x', 'limit': 5}, 1, "'from' parameter value is neither 'start' keyword nor a valid IPv4 address"),
    ("lease4-get-page", {'from': 3, 'limit': 5}, 1, "'from' parameter must be a string"),
    ("lease4-get-page", {'from': '2001:db8::1', 'limit': 5}, 1, "'from' parameter value 2001:db8::1 is not an IPv4 address"),
    ("lease4-get-page", {'from': 'start', 'limit': 5}, 0, None),
    ("lease4-get-page", {'from': '192.0.2.111', 'limit': 5}, 0, None),
    ("lease4-get-page", {'from': 'start', 'limit': -1}, 1, "page size of retrieved leases must not be greater than 4294967295"),
    ("lease4-get-page", {'from': 'start', 'limit': 2000000}, 0, None),
    ("lease4-get-by-hw-address", None, 1, "Command arguments missing or a not a map."),
    ("lease4-get-by-hw-address", {}, 1, "'hw-address' parameter not specified"),
    ("lease4-get-by-hw-address", {'hw-address': 1}, 1, "'hw-address' parameter must be a string"),
    ("lease4-get-by-hw-address", {'hw-address': 'zz'}, 1, None),
    ("lease4-get-by-hw-address", {'hw-address': ''}, 3, None),
    ("lease4-get-by-hw-address", {'hw-address': '02:00:00:00:aa:09'}, 3, None),
    ("lease4-get-by-hw-address", {'hw-address': '02:00:00:00:aa:01'}, 0, None),
    ("lease4-get-by-client-id", None, 1, "Command arguments missing or a not a map."),
    ("lease4-get-by-client-id", {}, 1, "'client-id' parameter not specified"),
    ("lease4-get-by-client-id", {'client-id': 1}, 1, "'client-id' parameter must be a string"),
    ("lease4-get-by-client-id", {'client-id': 'zz'}, 1, None),
    ("lease4-get-by-client-id", {'client-id': ''}, 1, None),
    ("lease4-get-by-client-id", {'client-id': '09:09'}, 3, None),
    ("lease4-get-by-client-id", {'client-id': '01:02:03'}, 0, None),
    ("lease4-get-by-hostname", None, 1, "Command arguments missing or a not a map."),
    ("lease4-get-by-hostname", {}, 1, "'hostname' parameter not specified"),
    ("lease4-get-by-hostname", {'hostname': 1}, 1, "'hostname' parameter must be a string"),
    ("lease4-get-by-hostname", {'hostname': ''}, 1, "'hostname' parameter is empty"),
    ("lease4-get-by-hostname", {'hostname': 'nope'}, 3, None),
    ("lease4-get-by-hostname", {'hostname': 'H1.example.org'}, 0, None),
    ("lease4-update", None, 1, "no parameters specified for lease4-update command"),
    ("lease4-update", {}, 1, "missing parameter 'ip-address'"),
    ("lease4-update", {'ip-address': '192.0.2.140'}, 1, "missing parameter 'hw-address'"),
    ("lease4-update", {'ip-address': '192.0.2.140', 'hw-address': '02:00:00:00:bb:01'}, 1, None),
    ("lease4-update", {'ip-address': '192.0.2.110', 'hw-address': '02:00:00:00:bb:01', 'subnet-id': 9}, 1, "Invalid subnet-id: No IPv4 subnet with subnet-id=9 currently configured."),
    ("lease4-update", {'ip-address': '192.0.2.110', 'hw-address': '02:00:00:00:bb:01', 'force-create': 'yes'}, 1, "invalid type specified for parameter 'force-create'"),
    ("lease4-update", {'ip-address': '192.0.2.110', 'hw-address': '02:00:00:00:aa:01', 'hostname': 'h1.example.org', 'client-id': '01:02:03'}, 0, "IPv4 lease updated."),
    ("lease4-del", None, 1, "Parameters missing or are not a map."),
    ("lease4-del", {}, 1, "Mandatory 'subnet-id' parameter missing."),
    ("lease4-del", {'ip-address': 'x'}, 1, None),
    ("lease4-del", {'ip-address': '192.0.2.199'}, 3, "IPv4 lease not found."),
    ("lease4-del", {'identifier-type': 'hw-address', 'identifier': '02:00:00:00:aa:09', 'subnet-id': 1}, 3, "IPv4 lease not found."),
    ("lease4-del", {'identifier-type': 'duid', 'identifier': '01:02', 'subnet-id': 1}, 1, "Delete by duid is not allowed in v4."),
    ("lease4-del", {'identifier-type': 'hw-address', 'identifier': '02:00:00:00:aa:01'}, 1, "Mandatory 'subnet-id' parameter missing."),
    ("lease4-wipe", {'subnet-id': 'x'}, 1, "invalid type specified for parameter 'subnet-id'"),
    ("lease4-wipe", {'subnet-id': 99}, 3, None),
    ("lease4-wipe", {'subnet-id': -1}, 1, "out of range value (-1) specified for parameter 'subnet-id'"),
    ("lease4-wipe", {'bogus': 1}, 0, None),
    ("lease4-wipe", [], 1, None),
    ("lease4-resend-ddns", {'ip-address': 'x'}, 1, "'x' is not a valid IP address."),
    ("lease4-resend-ddns", {'ip-address': '192.0.2.199'}, 1, "DDNS updating is not enabled"),
    ("lease4-resend-ddns", {'ip-address': '192.0.2.110'}, 1, "DDNS updating is not enabled"),
    ("lease4-wipe", {'subnet-id': 1}, 3, None),
    ("lease4-wipe", None, 3, None),
    ("lease4-wipe", {}, 3, None),
]


def test_lease4_commands_answer_bad_arguments_as_kea(lan, impl):
    srv = impl(basic_config())
    srv.cmd("lease4-add", {"ip-address": "192.0.2.110", "hw-address": "02:00:00:00:aa:01", "client-id": "01:02:03",
                           "hostname": "h1.example.org"})
    srv.cmd("lease4-add", {"ip-address": "192.0.2.111", "hw-address": "02:00:00:00:aa:02"})
    wrong = []
    for command, args, result, text in CASES:
        r = srv.cmd(command, args)
        if r.get("result") != result or (text and not r.get("text", "").startswith(text)):
            wrong.append((command, args, result, text, r.get("result"), r.get("text")))
    assert not wrong, "\n".join(map(repr, wrong))


def api_commands():
    """The command names of Kea 2.2's API reference (kea-doc)."""
    return {os.path.basename(p)[:-5] for p in glob.glob("/usr/share/doc/kea/api/*.json")
            if not os.path.basename(p).startswith("_")}


def test_list_commands_lists_exactly_what_is_served(lan, impl):
    srv = impl(basic_config())
    listed = srv.cmd("list-commands")["arguments"]
    assert "list-commands" in listed and len(listed) == len(set(listed))
    for name in sorted(listed):
        if name == "shutdown":
            continue
        # Kea 2.2's resend-ddns handlers crash on missing arguments: give them an address
        r = srv.cmd(name, {"ip-address": "192.0.2.250"} if name.endswith("resend-ddns") else None)
        assert r["result"] != 2 and "not supported" not in r.get("text", ""), (name, r)
        assert srv.proc.poll() is None, name
    unlisted = sorted(api_commands() - set(listed))
    assert unlisted, "kea-doc's API reference is not installed"
    for name in unlisted:
        r = srv.cmd(name)
        assert r["result"] == 2, (name, r)
    assert srv.cmd("shutdown")["result"] == 0
