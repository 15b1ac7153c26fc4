/* test_echo_turn.c — the echo's turn-taking (src/daemon/echo_turn.c) on a real sd-event
 * loop: two sources that are readable at every iteration (pipes nobody drains), one
 * taking turns, one at the default priority like HTTP. Without turn-taking the first
 * would be dispatched every time; with it the other gets every third turn (every other
 * one when the first reports full batches), and the first still comes first after the
 * other's turn. */
#include <fcntl.h>
#include <unistd.h>

#include "echo_turn.h"
#include "macro.h"
#include "tests.h"

#define ITERATIONS 300

typedef struct Loop {
        EchoTurn turn;
        bool yielded, heavy, taking_turns;
        unsigned n_echo, n_other;
        char last; /* 'e' or 'o' */
        unsigned longest_echo_run, echo_run;
} Loop;

static int on_echo(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Loop *l = userdata;

        l->n_echo++;
        l->echo_run = l->last == 'e' ? l->echo_run + 1 : 1;
        l->longest_echo_run = MAX(l->longest_echo_run, l->echo_run);
        l->last = 'e';
        if (l->taking_turns)
                echo_turn_taken(&l->turn, s, &l->yielded, l->heavy);
        return 0;
}

static int on_other(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Loop *l = userdata;

        l->n_other++;
        l->last = 'o';
        return 0;
}

/* A pipe whose read end stays readable: one byte that nobody reads. */
static int readable_fd(int p[2]) {
        ck_assert_int_eq(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
        ck_assert_int_eq(write(p[1], "x", 1), 1);
        return p[0];
}

static void run(Loop *l) {
        sd_event *e = NULL;
        sd_event_source *echo = NULL, *other = NULL;
        int pe[2], po[2];

        ck_assert_int_ge(sd_event_new(&e), 0);
        ck_assert_int_ge(sd_event_add_io(e, &echo, readable_fd(pe), EPOLLIN, on_echo, l), 0);
        ck_assert_int_ge(sd_event_add_io(e, &other, readable_fd(po), EPOLLIN, on_other, l), 0);
        if (l->taking_turns)
                ck_assert_int_ge(echo_turn_join(echo), 0);
        else
                ck_assert_int_ge(sd_event_source_set_priority(echo, SD_EVENT_PRIORITY_IMPORTANT), 0);
        for (int i = 0; i < ITERATIONS; i++)
                ck_assert_int_ge(sd_event_run(e, 0), 0);
        sd_event_source_unref(echo);
        sd_event_source_unref(other);
        sd_event_unref(e);
        for (int i = 0; i < 2; i++) {
                close(pe[i]);
                close(po[i]);
        }
}

/* What the turn-taking prevents: a readable source ahead of the others starves them. */
START_TEST(test_without_turns) {
        Loop l = {};

        run(&l);
        ck_assert_uint_eq(l.n_echo, ITERATIONS);
        ck_assert_uint_eq(l.n_other, 0);
}
END_TEST

START_TEST(test_light) {
        Loop l = { .taking_turns = true };

        run(&l);
        ck_assert_uint_eq(l.n_echo + l.n_other, ITERATIONS);
        ck_assert_uint_ge(l.n_other, ITERATIONS / 3 - 1);    /* every third turn */
        ck_assert_uint_ge(l.n_echo, 2 * ITERATIONS / 3 - 1); /* and first after it */
        ck_assert_uint_le(l.longest_echo_run, 2);
}
END_TEST

START_TEST(test_heavy) {
        Loop l = { .taking_turns = true, .heavy = true };

        run(&l);
        ck_assert_uint_eq(l.n_echo + l.n_other, ITERATIONS);
        ck_assert_uint_ge(l.n_other, ITERATIONS / 2 - 1); /* every other turn */
        ck_assert_uint_le(l.longest_echo_run, 1);
}
END_TEST

static Suite *echo_turn_suite(void) {
        Suite *s = suite_create("echo_turn");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, test_without_turns);
        tcase_add_test(tc, test_light);
        tcase_add_test(tc, test_heavy);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(echo_turn_suite)
