/* The standard DHCPv4 option definitions, as in Kea 2.2 (src/lib/dhcp/std_option_defs.h
 * STANDARD_V4_OPTION_DEFINITIONS, LAST_RESORT_V4_OPTION_DEFINITIONS and docsis3_option_defs.h):
 * same names, codes, data types, array flags, record layouts and encapsulated spaces, in the same
 * order. Kea 2.2 defines nothing in "dhcp-agent-options-space" or
 * "vendor-encapsulated-options-space": those spaces start empty and take custom option-defs. */
#include "proto/optdef_int.h"

#define T_EMPTY OPTDEF_EMPTY
#define T_BINARY OPTDEF_BINARY
#define T_BOOLEAN OPTDEF_BOOLEAN
#define T_INT8 OPTDEF_INT8
#define T_INT16 OPTDEF_INT16
#define T_INT32 OPTDEF_INT32
#define T_UINT8 OPTDEF_UINT8
#define T_UINT16 OPTDEF_UINT16
#define T_UINT32 OPTDEF_UINT32
#define T_IPV4 OPTDEF_IPV4
#define T_IPV6 OPTDEF_IPV6
#define T_PSID OPTDEF_PSID
#define T_STRING OPTDEF_STRING
#define T_FQDN OPTDEF_FQDN

#define STD(n, c, t, a) \
    {.name = n, .code = c, .space = OPTDEF_SPACE_DHCP4, .type = t, .array = a, .encapsulate = ""}
#define ENC(n, c, t, e) \
    {.name = n, .code = c, .space = OPTDEF_SPACE_DHCP4, .type = t, .array = false, .encapsulate = e}
#define NARGS(...) (sizeof((optdef_type_t[]){__VA_ARGS__}) / sizeof(optdef_type_t))
#define REC(n, c, a, ...)                                                                        \
    {.name = n, .code = c, .space = OPTDEF_SPACE_DHCP4, .type = OPTDEF_RECORD, .array = a,      \
     .nfields = NARGS(__VA_ARGS__), .fields = {__VA_ARGS__}, .encapsulate = ""}

const optdef_t optdef_std_dhcp4[] = {
    STD("subnet-mask", 1, T_IPV4, false),
    STD("time-offset", 2, T_INT32, false),
    STD("routers", 3, T_IPV4, true),
    STD("time-servers", 4, T_IPV4, true),
    STD("name-servers", 5, T_IPV4, true),
    STD("domain-name-servers", 6, T_IPV4, true),
    STD("log-servers", 7, T_IPV4, true),
    STD("cookie-servers", 8, T_IPV4, true),
    STD("lpr-servers", 9, T_IPV4, true),
    STD("impress-servers", 10, T_IPV4, true),
    STD("resource-location-servers", 11, T_IPV4, true),
    STD("host-name", 12, T_STRING, false),
    STD("boot-size", 13, T_UINT16, false),
    STD("merit-dump", 14, T_STRING, false),
    STD("domain-name", 15, T_STRING, false),
    STD("swap-server", 16, T_IPV4, false),
    STD("root-path", 17, T_STRING, false),
    STD("extensions-path", 18, T_STRING, false),
    STD("ip-forwarding", 19, T_BOOLEAN, false),
    STD("non-local-source-routing", 20, T_BOOLEAN, false),
    STD("policy-filter", 21, T_IPV4, true),
    STD("max-dgram-reassembly", 22, T_UINT16, false),
    STD("default-ip-ttl", 23, T_UINT8, false),
    STD("path-mtu-aging-timeout", 24, T_UINT32, false),
    STD("path-mtu-plateau-table", 25, T_UINT16, true),
    STD("interface-mtu", 26, T_UINT16, false),
    STD("all-subnets-local", 27, T_BOOLEAN, false),
    STD("broadcast-address", 28, T_IPV4, false),
    STD("perform-mask-discovery", 29, T_BOOLEAN, false),
    STD("mask-supplier", 30, T_BOOLEAN, false),
    STD("router-discovery", 31, T_BOOLEAN, false),
    STD("router-solicitation-address", 32, T_IPV4, false),
    STD("static-routes", 33, T_IPV4, true),
    STD("trailer-encapsulation", 34, T_BOOLEAN, false),
    STD("arp-cache-timeout", 35, T_UINT32, false),
    STD("ieee802-3-encapsulation", 36, T_BOOLEAN, false),
    STD("default-tcp-ttl", 37, T_UINT8, false),
    STD("tcp-keepalive-interval", 38, T_UINT32, false),
    STD("tcp-keepalive-garbage", 39, T_BOOLEAN, false),
    STD("nis-domain", 40, T_STRING, false),
    STD("nis-servers", 41, T_IPV4, true),
    STD("ntp-servers", 42, T_IPV4, true),
    STD("netbios-name-servers", 44, T_IPV4, true),
    STD("netbios-dd-server", 45, T_IPV4, true),
    STD("netbios-node-type", 46, T_UINT8, false),
    STD("netbios-scope", 47, T_STRING, false),
    STD("font-servers", 48, T_IPV4, true),
    STD("x-display-manager", 49, T_IPV4, true),
    STD("dhcp-requested-address", 50, T_IPV4, false),
    STD("dhcp-lease-time", 51, T_UINT32, false),
    STD("dhcp-option-overload", 52, T_UINT8, false),
    STD("dhcp-message-type", 53, T_UINT8, false),
    STD("dhcp-server-identifier", 54, T_IPV4, false),
    STD("dhcp-parameter-request-list", 55, T_UINT8, true),
    STD("dhcp-message", 56, T_STRING, false),
    STD("dhcp-max-message-size", 57, T_UINT16, false),
    STD("dhcp-renewal-time", 58, T_UINT32, false),
    STD("dhcp-rebinding-time", 59, T_UINT32, false),
    STD("vendor-class-identifier", 60, T_STRING, false),
    STD("dhcp-client-identifier", 61, T_BINARY, false),
    STD("nwip-domain-name", 62, T_STRING, false),
    STD("nwip-suboptions", 63, T_BINARY, false),
    STD("nisplus-domain-name", 64, T_STRING, false),
    STD("nisplus-servers", 65, T_IPV4, true),
    STD("tftp-server-name", 66, T_STRING, false),
    STD("boot-file-name", 67, T_STRING, false),
    STD("mobile-ip-home-agent", 68, T_IPV4, true),
    STD("smtp-server", 69, T_IPV4, true),
    STD("pop-server", 70, T_IPV4, true),
    STD("nntp-server", 71, T_IPV4, true),
    STD("www-server", 72, T_IPV4, true),
    STD("finger-server", 73, T_IPV4, true),
    STD("irc-server", 74, T_IPV4, true),
    STD("streettalk-server", 75, T_IPV4, true),
    STD("streettalk-directory-assistance-server", 76, T_IPV4, true),
    STD("user-class", 77, T_BINARY, false),
    REC("slp-directory-agent", 78, true, T_BOOLEAN, T_IPV4),
    REC("slp-service-scope", 79, false, T_BOOLEAN, T_STRING),
    REC("fqdn", 81, false, T_UINT8, T_UINT8, T_UINT8, T_FQDN),
    ENC("dhcp-agent-options", 82, T_EMPTY, "dhcp-agent-options-space"),
    STD("nds-servers", 85, T_IPV4, true),
    STD("nds-tree-name", 86, T_STRING, false),
    STD("nds-context", 87, T_STRING, false),
    STD("bcms-controller-names", 88, T_FQDN, true),
    STD("bcms-controller-address", 89, T_IPV4, true),
    STD("authenticate", 90, T_BINARY, false),
    STD("client-last-transaction-time", 91, T_UINT32, false),
    STD("associated-ip", 92, T_IPV4, true),
    STD("client-system", 93, T_UINT16, true),
    REC("client-ndi", 94, false, T_UINT8, T_UINT8, T_UINT8),
    REC("uuid-guid", 97, false, T_UINT8, T_BINARY),
    STD("uap-servers", 98, T_STRING, false),
    STD("geoconf-civic", 99, T_BINARY, false),
    STD("pcode", 100, T_STRING, false),
    STD("tcode", 101, T_STRING, false),
    STD("v6-only-preferred", 108, T_UINT32, false),
    STD("netinfo-server-address", 112, T_IPV4, true),
    STD("netinfo-server-tag", 113, T_STRING, false),
    STD("v4-captive-portal", 114, T_STRING, false),
    STD("auto-config", 116, T_UINT8, false),
    STD("name-service-search", 117, T_UINT16, true),
    STD("subnet-selection", 118, T_IPV4, false),
    STD("domain-search", 119, T_FQDN, true),
    REC("vivco-suboptions", 124, false, T_UINT32, T_BINARY),
    STD("vivso-suboptions", 125, T_UINT32, false),
    STD("pana-agent", 136, T_IPV4, true),
    STD("v4-lost", 137, T_FQDN, false),
    STD("capwap-ac-v4", 138, T_IPV4, true),
    STD("sip-ua-cs-domains", 141, T_FQDN, true),
    REC("rdnss-selection", 146, true, T_UINT8, T_IPV4, T_IPV4, T_FQDN),
    REC("v4-portparams", 159, false, T_UINT8, T_PSID),
    REC("option-6rd", 212, true, T_UINT8, T_UINT8, T_IPV6, T_IPV4),
    STD("v4-access-domain", 213, T_FQDN, false),
};
const size_t optdef_std_dhcp4_count = sizeof optdef_std_dhcp4 / sizeof optdef_std_dhcp4[0];

/* Kea's "last-resort-v4" space: used for option 43 only when neither a custom nor a standard
 * definition exists, so that a configured option-def for 43 takes precedence. */
const optdef_t optdef_last_resort_43 =
    ENC("vendor-encapsulated-options", 43, T_EMPTY, OPTDEF_SPACE_VENDOR_ENCAP);

/* CableLabs DOCSIS 3 vendor options (enterprise 4491): Kea's "docsis3-v4" space, also found
 * under the vendor space name "vendor-4491". */
const optdef_t optdef_std_docsis4[] = {
    {.name = "oro", .code = 1, .space = OPTDEF_SPACE_DOCSIS4_STD, .type = T_UINT8, .array = true,
     .encapsulate = ""},
    {.name = "tftp-servers", .code = 2, .space = OPTDEF_SPACE_DOCSIS4_STD, .type = T_IPV4,
     .array = true, .encapsulate = ""},
};
const size_t optdef_std_docsis4_count = sizeof optdef_std_docsis4 / sizeof optdef_std_docsis4[0];
