/* echo_flows.h — the echo's flow listing for /api/flows: the live flows of the flow table
 * with their profile, and the matching decisions of the record. Part of the echo module
 * (echo.c calls it for echo_get_flows()). Pure: no I/O, no clock, no logging; the times
 * come in as arguments. */
#pragma once

#include <stddef.h>

#include "echo_flow.h"
#include "echo_profiles.h"
#include "echo_record.h"
#include "flows.h"
#include "time_util.h"

/* Gives each of the @n profiles @ps its name's index in @r's name table
 * (EchoProfile.record_name), adding new names; when the table is full, index 0 (the
 * default's, interned first). */
void echo_flows_name_profiles(EchoRecord *r, EchoProfile *ps, size_t n);

/* What echo_get_flows() reports (see echo.h): the flows of @flows matching @q (most
 * recently active first, at most FLOWS_MAX; source budget entries and flows that never
 * received are left out), each named by its profile among the @n @ps, and when @q names a
 * peer or a profile, the matching entries of @r (newest first, at most FLOWS_RECORD_MAX).
 * @now_mono / @now_rt convert the flows' times. Fills *ret (flows_snapshot_done() frees
 * it; its strings are borrowed from @ps and @r). Returns 0 or -ENOMEM. */
int echo_flows_snapshot(const EchoFlowTable *flows, const EchoProfile *ps, size_t n, const EchoRecord *r,
                        const FlowsQuery *q, usec_t now_mono, usec_t now_rt, FlowsSnapshot *ret);
