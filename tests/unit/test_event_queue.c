// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Event subscribers (lib/evq.c): every subscriber gets every event in
 * its own queue (an application and a library in one process do not take
 * each other's events); a slow consumer is told, in order, how many events
 * it lost when its queue filled, and a socket overrun is a lost-events
 * marker in every queue; after draining, later events queue again.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../cunit_run.h"
#include "../../lib/rodp_internal.h"

static struct rodp_evsub *sub_new(void)
{
	struct rodp_evsub *s = calloc(1, sizeof(*s));

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	s->evfd = s->epfd = -1;
	return s;
}

static struct rodp_event ev_n(uint64_t n)
{
	struct rodp_event ev = { .type = RODP_EVENT_REGION_SHRUNK,
				 .region_id = n };

	return ev;
}

static void test_each_subscriber_gets_every_event(void)
{
	struct rodp_evsub *app = sub_new(), *mid = sub_new();
	struct rodp_event ev;
	uint64_t i;

	app->next = mid;
	for (i = 1; i <= 3; i++) {
		ev = ev_n(i);
		rodp_evsub_fanout(app, &ev);
	}
	/* The application reads all of its own ... */
	for (i = 1; i <= 3; i++) {
		CU_ASSERT_EQUAL_FATAL(rodp_evsub_take(app, &ev), 0);
		CU_ASSERT_EQUAL(ev.region_id, i);
	}
	CU_ASSERT_EQUAL(rodp_evsub_take(app, &ev), EAGAIN);
	/* ... and the middleware still has all of its own. */
	for (i = 1; i <= 3; i++) {
		CU_ASSERT_EQUAL_FATAL(rodp_evsub_take(mid, &ev), 0);
		CU_ASSERT_EQUAL(ev.region_id, i);
		CU_ASSERT_PTR_NULL(ev.mr);
	}
	CU_ASSERT_EQUAL(rodp_evsub_take(mid, &ev), EAGAIN);
	free(app);
	free(mid);
}

static void test_slow_consumer_learns_what_it_lost(void)
{
	struct rodp_evsub *fast = sub_new(), *slow = sub_new();
	const uint64_t burst = RODP_EVQ_LEN + 100;
	struct rodp_event ev;
	uint64_t i, got = 0, lost = 0, lost_at = 0;

	slow->next = fast;
	for (i = 1; i <= burst; i++) {
		ev = ev_n(i);
		rodp_evsub_fanout(slow, &ev);
		/* The fast one keeps up. */
		CU_ASSERT_EQUAL_FATAL(rodp_evsub_take(fast, &ev), 0);
		CU_ASSERT_EQUAL(ev.region_id, i);
	}
	CU_ASSERT_EQUAL(rodp_evsub_take(fast, &ev), EAGAIN);

	while (!rodp_evsub_take(slow, &ev)) {
		if (ev.type == RODP_EVENT_LOST) {
			CU_ASSERT_EQUAL(lost_at, 0);	/* one marker */
			lost += ev.lost;
			lost_at = got + 1;
			CU_ASSERT_EQUAL(ev.region_id, 0);
			continue;
		}
		got++;
		/* The oldest are kept, in order. */
		CU_ASSERT_EQUAL(ev.region_id, got);
	}
	printf("\n    slow consumer: %llu kept, %llu reported lost\n",
	       (unsigned long long)got, (unsigned long long)lost);
	CU_ASSERT_EQUAL(got, RODP_EVQ_LEN - 1);
	CU_ASSERT_EQUAL(got + lost, burst);
	CU_ASSERT_EQUAL(lost_at, RODP_EVQ_LEN);	/* after the kept ones */

	/* Room again: the next event is queued, after the marker. */
	ev = ev_n(7);
	rodp_evsub_fanout(slow, &ev);
	CU_ASSERT_EQUAL_FATAL(rodp_evsub_take(slow, &ev), 0);
	CU_ASSERT_EQUAL(ev.type, RODP_EVENT_REGION_SHRUNK);
	CU_ASSERT_EQUAL(ev.region_id, 7);
	free(fast);
	free(slow);
}

static void test_overrun_marks_every_queue(void)
{
	struct rodp_evsub *a = sub_new(), *b = sub_new();
	struct rodp_event ev = ev_n(1);

	a->next = b;
	rodp_evsub_fanout(a, &ev);
	rodp_evsub_overrun(a);
	rodp_evsub_overrun(a);		/* merged into one marker */
	ev = ev_n(2);
	rodp_evsub_fanout(a, &ev);

	CU_ASSERT_EQUAL_FATAL(rodp_evsub_take(a, &ev), 0);
	CU_ASSERT_EQUAL(ev.region_id, 1);
	CU_ASSERT_EQUAL_FATAL(rodp_evsub_take(a, &ev), 0);
	CU_ASSERT_EQUAL(ev.type, RODP_EVENT_LOST);
	CU_ASSERT_EQUAL(ev.lost, 2);
	CU_ASSERT_EQUAL_FATAL(rodp_evsub_take(a, &ev), 0);
	CU_ASSERT_EQUAL(ev.region_id, 2);
	CU_ASSERT_EQUAL(rodp_evsub_take(a, &ev), EAGAIN);

	CU_ASSERT_EQUAL_FATAL(rodp_evsub_take(b, &ev), 0);
	CU_ASSERT_EQUAL(ev.region_id, 1);
	CU_ASSERT_EQUAL_FATAL(rodp_evsub_take(b, &ev), 0);
	CU_ASSERT_EQUAL(ev.type, RODP_EVENT_LOST);
	free(a);
	free(b);
}

/* A full queue still has room for its marker, whatever comes. */
static void test_full_queue_never_overflows(void)
{
	struct rodp_evsub *s = sub_new();
	struct rodp_event ev;
	unsigned int i, n = 0;

	for (i = 0; i < 3 * RODP_EVQ_LEN; i++) {
		ev = ev_n(i + 1);
		if (i % 3)
			rodp_evsub_fanout(s, &ev);
		else
			rodp_evsub_overrun(s);
		CU_ASSERT_TRUE_FATAL(s->q.count <= RODP_EVQ_LEN);
		/* Pop one now and then: the marker moves to the head. */
		if (i % 700 == 699 && !rodp_evsub_take(s, &ev))
			n++;
	}
	while (!rodp_evsub_take(s, &ev))
		n++;
	CU_ASSERT_TRUE(n >= RODP_EVQ_LEN);
	free(s);
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_each_subscriber_gets_every_event),
		RODP_TEST(test_slow_consumer_learns_what_it_lost),
		RODP_TEST(test_overrun_marks_every_queue),
		RODP_TEST(test_full_queue_never_overflows),
	};

	return rodp_cunit_run("event_queue", NULL, NULL, tests,
			      sizeof(tests) / sizeof(tests[0]));
}
