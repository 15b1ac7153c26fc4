/* echo_turn.c — turn-taking between the echo's sources and the loop's others (see
 * echo_turn.h). */
#include <assert.h>

#include "echo_turn.h"

int echo_turn_join(sd_event_source *src) {
        assert(src);
        return sd_event_source_set_priority(src, SD_EVENT_PRIORITY_IMPORTANT);
}

void echo_turn_taken(EchoTurn *t, sd_event_source *src, bool *yielded, bool heavy) {
        uint64_t it = 0;
        bool yield;

        assert(t);
        assert(src);
        assert(yielded);

        (void) sd_event_get_iteration(sd_event_source_get_event(src), &it);
        yield = heavy || it == t->last_iteration + 1;
        t->last_iteration = it;
        if (yield == *yielded)
                return;
        *yielded = yield;
        (void) sd_event_source_set_priority(src, yield ? SD_EVENT_PRIORITY_NORMAL : SD_EVENT_PRIORITY_IMPORTANT);
}
