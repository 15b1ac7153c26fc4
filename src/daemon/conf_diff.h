/* conf_diff.h — what changed between two configuration snapshots, for the reload log. */
#pragma once

#include "conf.h"

/* Describes what differs between @old and @new, key by key in schema order, as
 * "echo.loss 0.3 -> 0.1, echo.delay 0ms -> 10ms" (paths of files are quoted, lists
 * bracketed). Returns 0 with a malloc'ed string in *ret (NULL when nothing differs), or
 * -ENOMEM. */
int conf_diff(const Conf *old, const Conf *new, char **ret);
