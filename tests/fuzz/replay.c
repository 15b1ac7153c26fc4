/* replay.c — runs the libFuzzer target over every file in the corpus (and any files
 * given as arguments), so `make check` exercises it without clang or libFuzzer. */

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        _cleanup_free_ uint8_t *buf = NULL;
        size_t n;

        if (!f) {
                fprintf(stderr, "Failed to open '%s': %m\n", path);
                return -errno;
        }
        buf = malloc(1024 * 1024);
        if (!buf)
                return -ENOMEM;
        n = fread(buf, 1, 1024 * 1024, f);
        (void) LLVMFuzzerTestOneInput(buf, n);
        return 0;
}

int main(int argc, char *argv[]) {
        const char *dir = argc > 1 ? argv[1] : FUZZ_CORPUS_DIR;
        DIR *d = opendir(dir);
        struct dirent *de;
        unsigned n = 0;

        if (!d) {
                fprintf(stderr, "Failed to open corpus '%s': %m\n", dir);
                return EXIT_FAILURE;
        }
        while ((de = readdir(d))) {
                char path[4096];

                if (de->d_name[0] == '.')
                        continue;
                snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
                if (run_file(path) < 0) {
                        closedir(d);
                        return EXIT_FAILURE;
                }
                n++;
        }
        closedir(d);
        printf("replayed %u corpus files\n", n);
        return n > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
