/* comma_list.c — the one walker over HTTP's comma-separated header lists; callers
 * (http_parse, http_serve, ping_http) decide what a member means. Calls nothing. */
#include <assert.h>
#include <string.h>
#include <strings.h>

#include "comma_list.h"

static bool is_ows(char c) {
        return c == ' ' || c == '\t';
}

bool comma_list_next(const char *s, size_t len, size_t *pos, const char **ret_item, size_t *ret_len) {
        size_t i, b, e;

        assert(s || len == 0);
        assert(pos);
        assert(ret_item);
        assert(ret_len);

        for (i = *pos; i < len;) {
                while (i < len && (is_ows(s[i]) || s[i] == ','))
                        i++;
                b = i;
                while (i < len && s[i] != ',')
                        i++;
                e = i;
                while (e > b && is_ows(s[e - 1]))
                        e--;
                if (e > b) {
                        *pos = i;
                        *ret_item = s + b;
                        *ret_len = e - b;
                        return true;
                }
        }
        *pos = len;
        return false;
}

bool comma_list_has(const char *s, size_t len, const char *token) {
        size_t tl, pos = 0, n;
        const char *item;

        assert(token);

        tl = strlen(token);
        while (comma_list_next(s, len, &pos, &item, &n))
                if (n == tl && strncasecmp(item, token, tl) == 0)
                        return true;
        return false;
}
