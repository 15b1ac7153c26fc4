/* replay.c — the libFuzzer driver for `make check`: runs one fuzz target (linked with it)
 * over every file of its seed corpus and any files or directories given as arguments,
 * with the normal compiler and no libFuzzer, so every test run exercises each target
 * and the sanitizer build runs them under ASan/UBSan. Calls LLVMFuzzerInitialize()
 * first when the target has one, as libFuzzer does. */

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "macro.h"

#define REPLAY_INPUT_MAX (1024 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* One input, copied into an exact-size buffer so that ASan sees a read past its end. */
static int run_file(const char *path) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        _cleanup_free_ uint8_t *buf = NULL, *exact = NULL;
        size_t n;

        if (!f) {
                fprintf(stderr, "Failed to open '%s': %m\n", path);
                return -errno;
        }
        buf = malloc(REPLAY_INPUT_MAX);
        if (!buf)
                return -ENOMEM;
        n = fread(buf, 1, REPLAY_INPUT_MAX, f);
        if (ferror(f)) {
                fprintf(stderr, "Failed to read '%s'\n", path);
                return -EIO;
        }
        exact = malloc(n ?: 1);
        if (!exact)
                return -ENOMEM;
        memcpy(exact, buf, n);
        (void) LLVMFuzzerTestOneInput(exact, n);
        return 0;
}

static int compare_names(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Every regular file of @dir in name order (so a failure is reproducible by name);
 * returns the number replayed or a negative errno. */
static int run_dir(const char *dir) {
        _cleanup_free_ char **names = NULL;
        size_t n = 0, allocated = 0;
        struct dirent *de;
        DIR *d;
        int r = 0;

        d = opendir(dir);
        if (!d) {
                fprintf(stderr, "Failed to open corpus '%s': %m\n", dir);
                return -errno;
        }
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                if (n == allocated) {
                        char **p = realloc(names, (allocated * 2 + 16) * sizeof(char *));

                        if (!p) {
                                r = -ENOMEM;
                                goto finish;
                        }
                        names = p;
                        allocated = allocated * 2 + 16;
                }
                names[n] = strdup(de->d_name);
                if (!names[n]) {
                        r = -ENOMEM;
                        goto finish;
                }
                n++;
        }
        qsort(names, n, sizeof(char *), compare_names);
        for (size_t i = 0; i < n && r >= 0; i++) {
                char path[4096];

                (void) snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
                r = run_file(path);
        }
finish:
        closedir(d);
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        return r < 0 ? r : (int) n;
}

int main(int argc, char *argv[]) {
        unsigned total = 0;
        int r;

        if (LLVMFuzzerInitialize)
                (void) LLVMFuzzerInitialize(&argc, &argv);

        if (argc <= 1) {
                r = run_dir(FUZZ_CORPUS_DIR);
                if (r < 0)
                        return EXIT_FAILURE;
                total = (unsigned) r;
        }
        for (int i = 1; i < argc; i++) {
                struct stat st;

                if (stat(argv[i], &st) < 0) {
                        fprintf(stderr, "Failed to stat '%s': %m\n", argv[i]);
                        return EXIT_FAILURE;
                }
                r = S_ISDIR(st.st_mode) ? run_dir(argv[i]) : run_file(argv[i]);
                if (r < 0)
                        return EXIT_FAILURE;
                total += S_ISDIR(st.st_mode) ? (unsigned) r : 1;
        }
        printf("replayed %u inputs\n", total);
        return total > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
