/* Fuzz target: jsonsrc_load_buffer on arbitrary bytes (includes disabled: the input must not
 * open files), then every locate/where entry point on a few paths and on the first nodes, then
 * the whole Dhcp4 configuration model (cfg4_parse) on the same text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfg4.h"
#include "config/jsonsrc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const paths[] = {
    "", "/", "/Dhcp4", "/Dhcp4/subnet4/0/pools/0/pool", "/0", "/0/0/a", "/a~1b/~0", "/x/1/y",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    jsonsrc_t *s = NULL;
    char err[256], buf[256];
    if (jsonsrc_load_buffer((const char *)data, size, "fuzz.json", JSONSRC_NO_INCLUDE, &s, err,
                            sizeof err) != 0)
        return 0;
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        jsonsrc_where(s, paths[i], buf, sizeof buf);
    json_t *root = jsonsrc_root(s);
    jsonsrc_where_node(s, root, buf, sizeof buf);
    if (json_is_object(root)) {
        const char *key;
        json_t *v;
        json_object_foreach(root, key, v) {
            jsonsrc_where_member(s, root, key, buf, sizeof buf);
            jsonsrc_where_node(s, v, buf, sizeof buf);
            if (json_is_array(v) && json_array_size(v) > 0) {
                const char *f;
                int l, c;
                jsonsrc_locate_index(s, v, json_array_size(v) - 1, &f, &l, &c);
            }
        }
    } else if (json_is_array(root) && json_array_size(root) > 0) {
        const char *f;
        int l, c;
        jsonsrc_locate_index(s, root, 0, &f, &l, &c);
    }
    for (size_t i = 0; i < jsonsrc_warning_count(s); i++)
        (void)jsonsrc_warning(s, i);
    jsonsrc_free(s);
    /* The Dhcp4 model: every semantic check and error path. */
    if (jsonsrc_load_buffer((const char *)data, size, "fuzz.json", JSONSRC_NO_INCLUDE, &s, err,
                            sizeof err) == 0) {
        cfg4_t *cfg = NULL;
        char cerr[1024];
        if (cfg4_parse(s, &cfg, cerr, sizeof cerr) == 0)
            cfg4_free(cfg);
    }
    /* The control-channel helper on the same bytes. */
    char *stripped = jsonsrc_strip_comments((const char *)data, size, NULL, err, sizeof err);
    free(stripped);
    return 0;
}
