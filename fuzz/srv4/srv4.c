/* Fuzz target: whole-message handling. Arbitrary bytes go through srv4_handle() — parse,
 * acceptance, subnet selection, allocation against an in-memory memfile store, reply
 * construction — for a server with reservations, a shared network, relays and options. The
 * fake interface has no sockets, so replies are built but their send fails harmlessly. The
 * first input byte picks the receiving address pair (broadcast, unicast, relay). The
 * configuration is rich in client classes (tests over options, relay sub-options, vendor options,
 * the hardware address; KNOWN/UNKNOWN pools, DROP, required classes, class options, flex-id and
 * flex-option), so that every packet also runs the expression engine. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "dhcp4/srv4.h"
#include "log/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char config[] =
    "{\"Dhcp4\": {\"interfaces-config\": {\"interfaces\": []},\n"
    " \"lease-database\": {\"type\": \"memfile\", \"persist\": false},\n"
    " \"loggers\": [{\"name\": \"kea-dhcp4\", \"severity\": \"NONE\"}],\n"
    " \"valid-lifetime\": 600, \"renew-timer\": 200, \"rebind-timer\": 400, \"authoritative\": true,\n"
    " \"option-data\": [{\"name\": \"domain-name-servers\", \"data\": \"192.0.2.53\"},\n"
    "                   {\"name\": \"domain-search\", \"data\": \"a.example, b.example\", \"always-send\": true}],\n"
    " \"reservations\": [{\"hw-address\": \"02:00:00:00:00:01\", \"ip-address\": \"192.0.2.7\", \"hostname\": \"g\"}],\n"
    " \"reservations-global\": true,\n"
    " \"host-reservation-identifiers\": [\"hw-address\", \"flex-id\", \"client-id\", \"circuit-id\"],\n"
    " \"hooks-libraries\": [{\"library\": \"libdhcp_flex_id.so\", \"parameters\": {\"identifier-expression\":\n"
    "     \"concat(substring(relay4[1].hex, 0, 4), hexstring(pkt4.mac, ':'))\", \"replace-client-id\": true}},\n"
    "   {\"library\": \"libdhcp_flex_option.so\", \"parameters\": {\"options\": [\n"
    "     {\"code\": 67, \"add\": \"ifelse(option[12].exists, concat(option[12].text, '.boot'), '')\"},\n"
    "     {\"code\": 3, \"remove\": \"member('voip')\"}]}}],\n"
    " \"client-classes\": [\n"
    "   {\"name\": \"pxe\", \"test\": \"substring(option[60].hex, 0, 9) == 'PXEClient'\", \"next-server\": \"192.0.2.3\",\n"
    "    \"boot-file-name\": \"pxelinux.0\", \"option-data\": [{\"name\": \"tftp-server-name\", \"data\": \"t\"}]},\n"
    "   {\"name\": \"voip\", \"test\": \"vendor[4491].exists or vendor-class[*].exists or option[43].option[1].exists\"},\n"
    "   {\"name\": \"rack\", \"test\": \"relay4[1].exists and split(relay4[2].text, '/', 2) == 'x'\"},\n"
    "   {\"name\": \"text\", \"test\": \"option[81].text + option[124].text + option[125].text + option[119].text +"
    " option[82].text + option[43].text + option[97].text + option[125].option[2].text == 'x' or member('KNOWN')\"},\n"
    "   {\"name\": \"late\", \"test\": \"member('KNOWN') or uint8totext(pkt4.hlen) == '6'\", \"valid-lifetime\": 300},\n"
    "   {\"name\": \"req\", \"test\": \"ifelse(pkt4.msgtype == 0x00000003, 'true', 'false') == 'true'\", \"only-if-required\": true,\n"
    "    \"option-data\": [{\"name\": \"log-servers\", \"data\": \"192.0.2.4\"}]},\n"
    "   {\"name\": \"DROP\", \"test\": \"pkt4.mac == 0x0200000000ff and member('UNKNOWN')\"}],\n"
    " \"subnet4\": [{\"id\": 1, \"subnet\": \"192.0.2.0/24\", \"require-client-classes\": [\"req\"],\n"
    "   \"pools\": [{\"pool\": \"192.0.2.10 - 192.0.2.20\", \"client-class\": \"KNOWN\"},\n"
    "             {\"pool\": \"192.0.2.21 - 192.0.2.40\", \"client-class\": \"UNKNOWN\"}],\n"
    "   \"option-data\": [{\"name\": \"routers\", \"data\": \"192.0.2.1\"}],\n"
    "   \"reservations\": [{\"client-id\": \"01:02:00:00:00:00:02\", \"ip-address\": \"192.0.2.8\",\n"
    "                       \"boot-file-name\": \"pxe\", \"next-server\": \"192.0.2.2\"},\n"
    "                      {\"circuit-id\": \"'eth0'\", \"ip-address\": \"192.0.2.9\"}]},\n"
    "  {\"id\": 2, \"subnet\": \"10.10.10.0/24\", \"relay\": {\"ip-addresses\": [\"10.10.10.1\"]},\n"
    "   \"pools\": [{\"pool\": \"10.10.10.10 - 10.10.10.20\", \"option-data\": [{\"code\": 66, \"data\": \"tftp\"}]}]}],\n"
    " \"shared-networks\": [{\"name\": \"sn\", \"subnet4\": [\n"
    "   {\"id\": 3, \"subnet\": \"198.51.100.0/24\", \"pools\": [{\"pool\": \"198.51.100.5 - 198.51.100.6\"}]},\n"
    "   {\"id\": 4, \"subnet\": \"203.0.113.0/24\", \"allocator\": \"random\", \"pools\": [{\"pool\": \"203.0.113.0/28\"}]}]}]\n"
    "}}";

static srv4_t srv;
static srv4_iface_t iface;

static void setup(void)
{
    static bool done;
    if (done)
        return;
    done = true;
    nlog_init("kea-dhcp4", false);
    srv.server_port = 67;
    srv.client_port = 68;
    srv4_init(&srv, event_base_new(), NULL);
    char err[1024];
    cfg4_t *cfg;
    if (cfg4_load_string(config, "fuzz", &cfg, err, sizeof err) || srv4_apply_config(&srv, cfg, err, sizeof err))
        abort();
    iface = (srv4_iface_t){.name = "fuzz0", .ifindex = 1, .mac = {2, 0, 0, 0, 0, 0xfe},
                           .addr = 0xc0000201, .mask = 0xffffff00, .pkt_fd = -1, .udp_fd = -1, .srv = &srv};
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    if (size < 1)
        return 0;
    static const uint32_t src[] = {0, 0xc0000264, 0x0a0a0a01, 0xc6336405};
    static const uint32_t dst[] = {0xffffffffu, 0xc0000201, 0xc0000201, 0xc0000201};
    unsigned pick = data[0] & 3;
    srv4_handle(&srv, &iface, srv.rx, data + 1, size - 1, src[pick], dst[pick], NULL);
    srv_core_completions_run(&srv.core);
    return 0;
}
