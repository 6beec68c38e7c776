/* jsonsrc: Kea-syntax configuration text -> jansson tree, with source positions.
 *
 * Contract:
 * - Input is JSON plus Kea's extensions: comments ('#' and '//' to end of line, C-style block
 *   comments; never inside strings), <?include "path"?> directives that splice in another file
 *   (outside strings and comments), and extraneous commas before ',' ']' or '}' (Kea 2.2 accepts
 *   those with a warning; so do we: see jsonsrc_warning()). Everything else is parsed by jansson,
 *   with duplicate object keys rejected (Kea 2.2 rejects them too, in every map).
 * - Includes: a relative path is resolved against the including file's directory first, then,
 *   if no such file exists, against the current directory (Kea 2.2 uses only the current
 *   directory). Nesting is limited to JSONSRC_MAX_INCLUDE_DEPTH (Kea: 11); including a file that
 *   is already being included is an error; the total text read is limited to JSONSRC_MAX_TEXT.
 * - Errors are formatted as "file:line:col: message" with the position in the ORIGINAL file
 *   (through includes and comment removal); line and col are 1-based, col counts bytes.
 * - Ownership: a jsonsrc_t owns the expanded text, the position map and the root json; the
 *   root is borrowed by callers (json_incref it to keep it longer). Strings returned by
 *   jsonsrc_locate() are owned by the jsonsrc_t. Callers may modify the tree; positions stay
 *   available for the nodes and keys that came from the text.
 * - Thread-safety: none needed after load: all queries are read-only and may run concurrently.
 * - Robustness: bad input never crashes, leaks or reads out of bounds; deep nesting is bounded
 *   by jansson (2048 levels) and by the iterative walkers here.
 */
#ifndef NESTOR_CONFIG_JSONSRC_H
#define NESTOR_CONFIG_JSONSRC_H

#include <jansson.h>
#include <stddef.h>

#define JSONSRC_MAX_INCLUDE_DEPTH 11
#define JSONSRC_MAX_TEXT (64u * 1024 * 1024)

/* Flags for jsonsrc_load_buffer(). */
enum jsonsrc_flags {
    JSONSRC_NO_INCLUDE = 1, /* an include directive is an error (untrusted text, fuzzing) */
};

typedef struct jsonsrc jsonsrc_t;

/* Loads and parses a configuration file. On success stores a new jsonsrc_t in *out and returns
 * 0. On failure returns NST_ENOENT/NST_EIO (file), NST_EMALFORMED (syntax) or NST_ERANGE (size
 * or include limits), leaves *out NULL and writes "file:line:col: message" into err. */
int jsonsrc_load_file(const char *path, jsonsrc_t **out, char *err, size_t errlen);

/* Same, from a NUL-terminated text; name is used in positions (NULL = "<string>") and its
 * directory for relative includes. */
int jsonsrc_load_string(const char *text, const char *name, jsonsrc_t **out, char *err,
                        size_t errlen);

/* Same, from len bytes (may contain NUL bytes, which are then a syntax error). */
int jsonsrc_load_buffer(const char *data, size_t len, const char *name, unsigned flags,
                        jsonsrc_t **out, char *err, size_t errlen);

/* The parsed root (an object or an array); borrowed. */
json_t *jsonsrc_root(const jsonsrc_t *s);

/* Name of the top-level file, as given. */
const char *jsonsrc_name(const jsonsrc_t *s);

/* Position of the node reached by path: the KEY for an object member, the value for an array
 * element or the root. Path: segments separated by '/', a leading '/' optional, "" or "/" is the
 * root; a segment is an object key or a decimal array index. In keys, "~1" stands for '/' and
 * "~0" for '~' (JSON Pointer, RFC 6901 section 3). *file is owned by s.
 * Returns 0, or NST_ENOENT when the path does not exist or has no position (added later). */
int jsonsrc_locate(const jsonsrc_t *s, const char *path, const char **file, int *line, int *col);

/* Position of a container node (object or array) taken from the tree: the key if it is an object
 * member, else its opening bracket. Scalars are not indexed (use jsonsrc_locate_member/_index).
 * Returns 0 or NST_ENOENT. */
int jsonsrc_locate_node(const jsonsrc_t *s, const json_t *node, const char **file, int *line,
                        int *col);
/* Position of member key in object obj (a node of this tree). 0 or NST_ENOENT. */
int jsonsrc_locate_member(const jsonsrc_t *s, const json_t *obj, const char *key,
                          const char **file, int *line, int *col);
/* Position of element idx of array arr (a node of this tree). 0 or NST_ENOENT. */
int jsonsrc_locate_index(const jsonsrc_t *s, const json_t *arr, size_t idx, const char **file,
                         int *line, int *col);

/* "file:line:col" for a path into buf, or just the top-level file name when the path has no
 * position. Always NUL-terminates (cap > 0); returns buf. */
const char *jsonsrc_where(const jsonsrc_t *s, const char *path, char *buf, size_t cap);
/* Same for a member of obj; falls back to obj's own position, then to the file name. */
const char *jsonsrc_where_member(const jsonsrc_t *s, const json_t *obj, const char *key,
                                 char *buf, size_t cap);
/* Same for a container node; falls back to the file name. */
const char *jsonsrc_where_node(const jsonsrc_t *s, const json_t *node, char *buf, size_t cap);

/* Warnings collected while loading (extraneous commas), each "file:line:col: text".
 * At most JSONSRC_MAX_WARNINGS are kept; jsonsrc_warning_count() returns the kept number. */
#define JSONSRC_MAX_WARNINGS 64
size_t jsonsrc_warning_count(const jsonsrc_t *s);
const char *jsonsrc_warning(const jsonsrc_t *s, size_t i);

void jsonsrc_free(jsonsrc_t *s);

/* For control commands: returns a new NUL-terminated copy of text[0..len) in which every comment
 * is replaced by spaces (newlines kept, so byte offsets and lines are unchanged); strings are
 * untouched and include directives are left as they are. *outlen (if not NULL) gets the length.
 * Returns NULL (and "line:col: message" in err) on an unterminated block comment. Caller frees. */
char *jsonsrc_strip_comments(const char *text, size_t len, size_t *outlen, char *err,
                             size_t errlen);

#endif
