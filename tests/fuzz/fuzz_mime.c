/* fuzz_mime.c — libFuzzer target for the mime.types reader (mime_table_new() in
 * src/daemon/mime.c): any bytes as the file's text, then lookups. The file is root-owned,
 * but the table must be built correctly for any input (issue 12: a CR-separated file
 * overflowed the entry array). */

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static size_t builtin_size;             /* extensions of the built-in table alone */

int LLVMFuzzerInitialize(int *argc, char ***argv) {
        _cleanup_(mime_table_freep) MimeTable *t = NULL;

        assert(mime_table_new(NULL, 0, &t) == 0);
        builtin_size = mime_table_size(t);
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const char *const names[] = { "index.html", "a.PNG", "x.tar.gz", "README", ".", "a.", "a.b.c" };
        _cleanup_(mime_table_freep) MimeTable *t = NULL;
        char name[2 + MIME_EXTENSION_MAX + 2];
        size_t n = 0;
        char *text;
        int r;

        /* An exact-size copy, so ASan catches any read past the end. */
        text = malloc(size ?: 1);
        if (!text)
                return 0;
        memcpy(text, data, size);

        r = mime_table_new(text, size, &t);
        free(text);                     /* the table keeps its own copy */
        if (r == -ENOMEM)
                return 0;
        assert(r == 0);

        /* The built-in fallback's extensions are always there (the file wins only on type). */
        assert(mime_table_size(t) >= builtin_size);
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                assert(mime_table_lookup(t, names[i]));
        assert(strcmp(mime_table_lookup(t, "README"), MIME_DEFAULT_TYPE) == 0);

        /* The last bytes of the input as an extension: any byte but NUL and '/'. */
        name[n++] = 'x';
        name[n++] = '.';
        for (size_t i = size > MIME_EXTENSION_MAX + 1 ? size - MIME_EXTENSION_MAX - 1 : 0; i < size; i++)
                if (data[i] != 0 && data[i] != '/' && n < sizeof(name) - 1)
                        name[n++] = (char) data[i];
        name[n] = 0;
        assert(mime_table_lookup(t, name));
        return 0;
}
