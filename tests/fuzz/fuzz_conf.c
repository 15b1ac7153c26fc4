/* fuzz_conf.c — libFuzzer target for the configuration loader (conf_load() in
 * src/daemon/conf.c, libconfig underneath): the input is written to a file in a private
 * memfd and loaded. Asserts the documented results (a Conf, or -EBADMSG with the
 * ConfErrors filled: 1..CONF_ERRORS_MAX entries, each with a message) and, through
 * ASan/LSan, that no error path leaks or overruns.
 * Inputs with an @include directive are skipped: libconfig would open whatever path they
 * name (/dev/stdin would block the fuzzer), and that is libconfig's code, not ours. */

#include <assert.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include "conf.h"
#include "conf_errors.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char path[64];
static int fd = -EBADF;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
        fd = memfd_create("netlab-fuzz.conf", MFD_CLOEXEC);
        assert(fd >= 0);
        (void) snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        log_set_max_level(LOG_EMERG);   /* keep the fuzzer's output readable */
        return 0;
}

static bool has_include(const uint8_t *data, size_t size) {
        for (size_t i = 0; i + 8 <= size; i++)
                if (data[i] == '@' && strncasecmp((const char *) data + i + 1, "include", 7) == 0)
                        return true;
        return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(conf_unrefp) Conf *c = NULL;
        _cleanup_(conf_errors_done) ConfErrors errors = {};
        int r;

        if (has_include(data, size))
                return 0;
        assert(ftruncate(fd, 0) == 0);
        assert(pwrite(fd, data, size, 0) == (ssize_t) size);

        r = conf_load(path, &c, &errors);
        assert(r == 0 || r == -EBADMSG || r == -ENOMEM || r == -EFBIG);
        if (r == 0) {
                assert(c && c->n_ref == 1);
                assert(errors.n == 0 && errors.n_more == 0);    /* reterr untouched on success */
                assert(conf_ref(c) == c);
                assert(!conf_unref(c));
        } else if (r == -EBADMSG) {
                assert(errors.n >= 1 && errors.n <= CONF_ERRORS_MAX);
                assert(errors.n_more == 0 || errors.n == CONF_ERRORS_MAX);
                for (size_t i = 0; i < errors.n; i++)
                        assert(errors.e[i].msg && errors.e[i].msg[0]);
        } else
                assert(errors.n == 0);
        return 0;
}
