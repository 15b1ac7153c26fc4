/* echo_turn.h — turn-taking between the echo's event sources and the loop's others
 * (HTTP). Every Echo of one loop (the echo and the STAMP reflector) shares one EchoTurn.
 * Their sources (sockets, delay timers) run ahead of the others, so a probe is answered
 * before a batch of HTTP connections, but not a third time in a row: a source dispatched
 * in the iteration right after one of theirs, or one that found a full receive batch,
 * drops to the others' priority until it is dispatched after an iteration that was not
 * theirs. So a stream that keeps a socket readable, faster than the echo or not, gets at
 * most two turns of the loop in three (every other turn when its wakeups find full
 * batches; one more in a row per extra echo source). Signal sources run ahead of both
 * (loop.c). Calls sd-event only. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

typedef struct EchoTurn {
        uint64_t last_iteration; /* sd_event_get_iteration() of their last dispatch */
} EchoTurn;

/* A source taking turns: it starts ahead of the loop's others. Returns 0 or a negative
 * errno from sd-event. */
int echo_turn_join(sd_event_source *src);

/* Called at the end of every dispatch of @src, a source that joined: decides where it
 * stands for the next one (*@yielded: at the others' priority). @heavy: the dispatch
 * found a full batch. Only a change of place costs a call into sd-event. */
void echo_turn_taken(EchoTurn *t, sd_event_source *src, bool *yielded, bool heavy);
