/* Fuzz target: arbitrary bytes as the head of an HTTP request to a control listener
 * (ctrl_http_parse_head), terminated as the listener terminates what it hands over: the bytes,
 * then an empty line. Checks that a parsed head is consistent. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctrl/ctrl_http_head.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 5);
    memcpy(text, data, size);
    memcpy(text + size, "\r\n\r\n", 5);
    ctrl_http_head_t h = {.minor = 1};
    int st = ctrl_http_parse_head(text, size + 4, &h);
    assert(st == 0 || st == 400 || st == 505);
    if (st == 0)
        assert((h.minor == 0 || h.minor == 1) && strlen(h.method) < sizeof h.method);
    ctrl_http_head_clear(&h);
    free(text);
    return 0;
}
