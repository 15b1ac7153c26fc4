/* echo_budget.h — the per-source-address budgets of the echo: token buckets for replies
 * (every reply), for plain replies (not netlab probes) and for reply bytes, each with a
 * reserve for the address's other ports. Every reply is paid for, a duplicate and a
 * lab_compat prefix included, so no impairment sends more than the budgets allow.
 * Pure: no I/O, no clock, no logging; time comes in as a usec_t. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "impair.h"
#include "time_util.h"

/* Votes the busiest port of a source address can bank: once it stops, another port takes
 * over as the busiest within this many of the address's datagrams. */
#define ECHO_BUDGET_VOTES_MAX 1024

/* One class of budget: @rate per second (0 = this class is off), up to @burst banked. */
typedef struct EchoBudgetRate {
        double rate;
        double burst;
} EchoBudgetRate;

typedef struct EchoBudgetLimits {
        EchoBudgetRate replies;         /* every reply (probes and plain) */
        EchoBudgetRate plain;           /* plain replies only, on top of @replies */
        EchoBudgetRate bytes;           /* payload bytes of every reply */
} EchoBudgetLimits;

typedef enum EchoBudgetClass {
        ECHO_BUDGET_REPLIES,
        ECHO_BUDGET_PLAIN,
        ECHO_BUDGET_BYTES,
        _ECHO_BUDGET_CLASS_MAX,
} EchoBudgetClass;

/* The budget of one source address (lives in its ECHO_FLOW_SOURCE flow entry). Zeroed is
 * "never used": every bucket starts full. Each class has the address's bucket and a
 * reserve of the same size that only the address's other ports draw on, once the
 * address's bucket is empty: the port sending most of the address's datagrams (a
 * one-counter Boyer-Moore majority vote, so a client cycling through ports grows no
 * state) is held to the bucket alone and cannot starve another client behind the same
 * address (a NAT, a shared lab host). An address gets at most twice each rate, its
 * busiest port at most once. */
typedef struct EchoBudget {
        ImpairBucket bucket[_ECHO_BUDGET_CLASS_MAX];
        ImpairBucket reserve[_ECHO_BUDGET_CLASS_MAX];
        uint16_t heavy_port;            /* network order */
        uint16_t heavy_votes;
} EchoBudget;

/* True if any class of @l is on, i.e. a source needs a budget at all. */
bool echo_budget_limits_on(const EchoBudgetLimits *l);

/* Counts one datagram from @port (any byte order, used only for equality) in the
 * address's majority vote. Returns true if @port is now the address's busiest port. Call
 * once per datagram, before echo_budget_pay() for its replies. */
bool echo_budget_vote(EchoBudget *b, uint16_t port);

/* Pays for one reply of @bytes payload bytes from @b under @l at @now_usec: one token of
 * the reply class, one of the plain class if @plain, @bytes of the byte class (classes
 * whose rate is 0 are free). All or nothing: if any class can pay neither from the
 * bucket nor (unless @heavy) from the reserve, nothing is taken. A reply larger than a
 * class's burst can never be paid: size the byte burst for the largest reply. Returns
 * true if the reply was paid for (send it), false if the address is over budget. */
bool echo_budget_pay(EchoBudget *b, const EchoBudgetLimits *l, bool heavy, bool plain, size_t bytes,
                     usec_t now_usec);
