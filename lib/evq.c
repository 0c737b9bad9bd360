// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Event queues, one per subscriber (a rodp_ctx, or the library's default
 * for a NULL context), and the fan-out of each region notification to all
 * of them. Pure: no locks (the caller holds the library connection's lock)
 * and no system calls except the eventfd write that wakes a subscriber, so
 * the host tests drive it with evfd -1.
 *
 * A slow consumer never misses events silently. A queue keeps its oldest
 * events and gives its last slot to a RODP_EVENT_LOST marker: what does
 * not fit is counted there, in order, so the consumer reads every event
 * that was kept, then learns how many were dropped at that point, then
 * what came after it had made room. A socket overrun (the kernel dropped
 * notifications before anybody read them) is a marker in every queue.
 */
#include <config.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "rodp_internal.h"

static struct rodp_event *rodp_evq_tail(struct rodp_evq *q)
{
	return &q->q[(q->head + q->count - 1) % RODP_EVQ_LEN];
}

/* Counts n lost events at the end of q: in the marker already there, or
 * in a new one (there is always room for it). */
static void rodp_evq_lose(struct rodp_evq *q, uint64_t n)
{
	struct rodp_event *m;

	if (q->count && rodp_evq_tail(q)->type == RODP_EVENT_LOST) {
		m = rodp_evq_tail(q);
	} else {
		m = &q->q[(q->head + q->count) % RODP_EVQ_LEN];
		memset(m, 0, sizeof(*m));
		m->type = RODP_EVENT_LOST;
		q->count++;
	}
	m->lost += n;
	RODP_LIB_ADD(events_lost, n);
}

/* Returns non-zero when q went from empty to not empty. */
static int rodp_evq_push(struct rodp_evq *q, const struct rodp_event *ev)
{
	int was_empty = !q->count;

	/* The last slot is kept for a marker: count reaches RODP_EVQ_LEN
	 * only with a marker at the tail, which rodp_evq_lose() then adds
	 * to, so there is always room for one. */
	if (q->count >= RODP_EVQ_LEN - 1)
		rodp_evq_lose(q, 1);
	else
		q->q[(q->head + q->count++) % RODP_EVQ_LEN] = *ev;
	return was_empty;
}

int rodp_evq_pop(struct rodp_evq *q, struct rodp_event *ev)
{
	if (!q->count)
		return EAGAIN;
	*ev = q->q[q->head];
	q->head = (q->head + 1) % RODP_EVQ_LEN;
	q->count--;
	return 0;
}

static void rodp_evsub_wake(struct rodp_evsub *s)
{
	uint64_t one = 1;

	/* One write per empty-to-pending transition cannot overflow the
	 * eventfd counter: nothing to handle. */
	if (s->evfd >= 0 && write(s->evfd, &one, sizeof(one)) < 0)
		return;
}

void rodp_evsub_fanout(struct rodp_evsub *list, const struct rodp_event *ev)
{
	struct rodp_evsub *s;

	for (s = list; s; s = s->next)
		if (rodp_evq_push(&s->q, ev))
			rodp_evsub_wake(s);
}

void rodp_evsub_overrun(struct rodp_evsub *list)
{
	struct rodp_evsub *s;

	for (s = list; s; s = s->next) {
		int was_empty = !s->q.count;

		rodp_evq_lose(&s->q, 1);
		if (was_empty)
			rodp_evsub_wake(s);
	}
}

int rodp_evsub_take(struct rodp_evsub *s, struct rodp_event *ev)
{
	uint64_t v;

	if (rodp_evq_pop(&s->q, ev))
		return EAGAIN;
	/* Readable exactly while something is queued. */
	if (!s->q.count && s->evfd >= 0 && read(s->evfd, &v, sizeof(v)) < 0)
		v = 0;	/* already reset */
	return 0;
}
