/* units_sandbox_exec.c — runs netlabd with the one part of netlabd.service's sandbox that
 * changes what the code sees rather than what it may touch: systemd's RestrictSUIDSGID=
 * (implied by DynamicUser=yes) makes openat2() fail with ENOSYS, because seccomp cannot
 * inspect the flags openat2() takes in a struct. tests/test_units_sandbox.sh uses it so
 * that make check, which has no systemd, serves files the way the packaged service does.
 *
 *   units_sandbox_exec [--check]   exit 0 if openat2() now fails with ENOSYS (without
 *                                  arguments, as make check runs it: a self-test)
 *   units_sandbox_exec ARGS...     exec $NETLABD_REAL ARGS... under the filter */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static int deny_openat2(void) {
        /* The syscall number alone: openat2 is 437 in every architecture's table (the
         * numbers from 424 on are shared), so no arch check is needed for this test. */
        struct sock_filter filter[] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        struct sock_fprog prog = {
                .len = sizeof(filter) / sizeof(filter[0]),
                .filter = filter,
        };

        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return -errno;
        if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
                return -errno;
        return 0;
}

int main(int argc, char *argv[]) {
        const char *target = getenv("NETLABD_REAL");
        int r;

        r = deny_openat2();
        if (r < 0) {
                fprintf(stderr, "units_sandbox_exec: cannot install the seccomp filter: %s\n", strerror(-r));
                return 77;
        }

        if (argc == 1 || (argc == 2 && strcmp(argv[1], "--check") == 0)) {
                struct open_how how = { .flags = O_RDONLY | O_CLOEXEC };
                long fd = syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how));

                if (fd >= 0 || errno != ENOSYS) {
                        fprintf(stderr, "units_sandbox_exec: openat2() was not denied\n");
                        return 1;
                }
                return 0;
        }

        if (!target) {
                fprintf(stderr, "units_sandbox_exec: set NETLABD_REAL to the program to run\n");
                return 2;
        }
        argv[0] = (char *) target;
        execv(target, argv);
        fprintf(stderr, "units_sandbox_exec: cannot run '%s': %s\n", target, strerror(errno));
        return 127;
}
