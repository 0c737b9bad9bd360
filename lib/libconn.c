// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The library's own connection to rodp.ko, one per process, opened on
 * first use, with two sockets:
 *
 * - the binder: it subscribes to the notifications of every region of
 *   the process (RODP_CMD_EVENTS_SUBSCRIBE) when the first context asks
 *   for events, so registering an MR needs no round trip; a notification
 *   names its MR by region id once known, else by device, range and
 *   access flags, exactly or not at all (rodp_mr_claim_region()). With a
 *   rodp.ko that predates the subscription, REGION_BIND per MR makes it
 *   the region's binder instead. Only binds and the subscription are
 *   sent on it.
 * - the request socket, for everything else (REGION_GET, PREFETCH, ...):
 *   no notification ever arrives on it, so a burst of them can neither
 *   overrun it nor turn a request the kernel carried out into a reported
 *   failure.
 *
 * Each notification updates its MR's live ranges (what prefetch plans
 * on) and is queued for every subscriber (evq.c): each rodp_ctx that
 * asked for events, and the library's default one for a NULL context.
 * A subscriber's descriptor is an epoll instance watching the binder
 * socket and the subscriber's own eventfd, so it is readable whenever an
 * event is pending for it or may be waiting on the socket, wherever the
 * application waits. An overrun of the binder socket (ENOBUFS) is a
 * lost-events marker in every queue, and every MR's live ranges are
 * forgotten (a SHRUNK event may be among the lost).
 *
 * After fork the child drops its copy of the connection (closing its
 * descriptors leaves the parent's sockets alone) and opens its own on
 * first use.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <netlink/genl/genl.h>

#include "rodp_internal.h"

struct rodp_conn {
	struct rodp_ctx *ctx;	/* the binder socket */
	struct rodp_ctx *req;	/* the request socket */
	/* Subscribers, and the default one (NULL context) among them;
	 * protected by ctx->lock. */
	struct rodp_evsub *subs;
	struct rodp_evsub *dflt;
};

static void rodp_conn_drain(struct rodp_conn *c);

struct rodp_ctx *(*rodp_conn_ctx_open)(void) = rodp_open;

/* Set by the first subscription, cleared only in a forked child (whose
 * copies of the parent's subscriptions cannot be used); atomic. */
static int rodp_events_on;
/* rodp.ko accepted the binder socket's RODP_CMD_EVENTS_SUBSCRIBE; cleared
 * with rodp_events_on; atomic. */
static int rodp_events_sub;

int rodp_events_subscribed(void)
{
	return __atomic_load_n(&rodp_events_sub, __ATOMIC_RELAXED);
}

static pthread_mutex_t rodp_conn_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rodp_conn *rodp_conn;	/* protected by rodp_conn_lock */
/* The last failed attempt, so that a machine without rodp.ko does not pay
 * a family dump per registration; protected by rodp_conn_lock. */
static struct rodp_absent rodp_conn_absent;
unsigned long rodp_conn_attempts;	/* protected by rodp_conn_lock */
/* Connections opened so far in this process (atomic): an MR whose bind
 * was tried on an older one (or none) may be bound on a newer one. */
static unsigned int rodp_conn_gen;

/*
 * One message off the binder socket: a region notification updates its
 * MR's live ranges (what rodp_prefetch_mr() plans on, with no round trip
 * of its own) and is queued for every subscriber. Called with ctx->lock
 * held. Returns rodp_ntf_parse()'s answer; *used as it says.
 */
static int rodp_conn_deliver(struct rodp_conn *c, const void *buf, size_t len,
			     size_t *used)
{
	struct rodp_range *ranges = NULL;
	enum rodp_ntf_owner who;
	struct rodp_ntf_key key;
	struct rodp_event ev;
	int ret;

	ret = rodp_ntf_parse_key(buf, len, c->ctx->family, &ev, used,
				 &ranges, &key);
	if (ret && ret != ENOMEM)
		return ret;
	/* A child umem of an implicit MR is no MR's own region (rodp.ko
	 * sends none to a subscriber; a bound region never is one). */
	if (key.implicit_child) {
		free(ranges);
		return 0;
	}
	who = rodp_mr_claim_region(&ev, &key);
	/* Without memory for the ranges the old ones stay: prefetch then
	 * asks for a little more than is live, which the device refuses
	 * page by page, never less. */
	if (!ret && (who == RODP_NTF_BOUND_MR || who == RODP_NTF_MATCHED_MR))
		rodp_mr_set_live_by_region(ev.region_id, ranges,
					   ev.type == RODP_EVENT_REGION_DEAD ?
					   0 : ev.live_ranges);
	else
		free(ranges);
	/* The MR is looked up when the event is taken, never here: an MR
	 * deregistered meanwhile is then NULL, not a dangling pointer. */
	ev.mr = NULL;
	rodp_evsub_fanout(c->subs, &ev);
	return 0;
}

static void rodp_conn_ntf(struct rodp_ctx *ctx, const struct nlmsghdr *nlh)
{
	size_t used;

	rodp_conn_deliver(ctx->ntf_arg, nlh, nlh->nlmsg_len, &used);
}

/* The binder socket overran: tell every subscriber, forget what may be
 * stale. Called with ctx->lock held. */
static void rodp_conn_overrun(struct rodp_ctx *ctx)
{
	struct rodp_conn *c = ctx->ntf_arg;

	rodp_evsub_overrun(c->subs);
	rodp_mr_forget_live();
	/* A subscriber with an empty queue learns it from its marker. */
	if (!c->subs)
		RODP_LIB_INC(events_lost);
}

static void rodp_evsub_free(struct rodp_evsub *s)
{
	if (s->epfd >= 0)
		close(s->epfd);
	if (s->evfd >= 0)
		close(s->evfd);
	free(s);
}

static int rodp_conn_open(struct rodp_conn **out)
{
	struct rodp_conn *c;
	int err;

	c = calloc(1, sizeof(*c));
	if (!c)
		return rodp_fail(ENOMEM, "librodp: out of memory for its "
				 "connection to rodp.ko");
	c->ctx = rodp_conn_ctx_open();
	if (!c->ctx) {
		err = errno;
		free(c);
		return err;
	}
	c->req = rodp_conn_ctx_open();
	if (!c->req) {
		err = errno;
		rodp_close(c->ctx);
		free(c);
		return err;
	}
	c->ctx->ntf = rodp_conn_ntf;
	c->ctx->ntf_arg = c;
	c->ctx->overrun = rodp_conn_overrun;
	/*
	 * Room for bursts of notifications (one munmap per MR). rodp.ko
	 * sends each in a page-sized buffer, so the default limit
	 * (net.core.rmem_max) holds only a few dozen: a privileged process
	 * takes 4 MiB past it, any other gets what the limit allows, and
	 * what does not fit is reported as lost events.
	 */
	{
		int fd = nl_socket_get_fd(c->ctx->sock), size = 4 << 20;

		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size,
			       sizeof(size)))
			nl_socket_set_buffer_size(c->ctx->sock, 0, 1 << 20);
	}
	__atomic_store_n(out, c, __ATOMIC_RELEASE);
	return 0;
}

/* quiet: no rodp_last_error_msg() when the module is remembered absent
 * (formatting it was most of what a prefetch without rodp.ko cost). */
static int rodp_conn_get_how(struct rodp_conn **out, int quiet)
{
	int err = 0;

	pthread_mutex_lock(&rodp_conn_lock);
	if (!rodp_conn) {
		unsigned int gen = __atomic_load_n(&rodp_open_generation,
						   __ATOMIC_RELAXED);
		uint64_t now = rodp_clock_ns();

		if (rodp_absent_skip(&rodp_conn_absent, now, gen)) {
			err = ENODEV;
			if (!quiet)
				rodp_set_error("rodp.ko is not loaded (modprobe "
					       "rodp): librodp looks again after "
					       "a successful rodp_open() or a "
					       "second");
		} else {
			rodp_conn_attempts++;
			err = rodp_conn_open(&rodp_conn);
			rodp_absent_note(&rodp_conn_absent, err, now, gen);
			if (!err)
				__atomic_fetch_add(&rodp_conn_gen, 1,
						   __ATOMIC_RELAXED);
		}
	}
	*out = rodp_conn;
	pthread_mutex_unlock(&rodp_conn_lock);
	return err;
}

static int rodp_conn_get(struct rodp_conn **out)
{
	return rodp_conn_get_how(out, 0);
}

unsigned int rodp_libconn_gen(void)
{
	return __atomic_load_n(&rodp_conn_gen, __ATOMIC_RELAXED);
}

RODP_HOT
int rodp_libconn_exists(void)
{
	return __atomic_load_n(&rodp_conn, __ATOMIC_ACQUIRE) != NULL;
}

/* Draining reads of the binder socket begun so far (atomic). */
static uint64_t rodp_read_seq;

uint64_t rodp_libconn_read_seq(void)
{
	return __atomic_load_n(&rodp_read_seq, __ATOMIC_SEQ_CST);
}

/*
 * How often a prefetch reads pending region events itself. Events are read
 * anyway by every bind on the connection and by rodp_get_event(); a
 * range unmapped since the last read and still planned is refused by the
 * device (EFAULT), after which the prefetch asks rodp.ko and plans again.
 * So this only bounds how stale the skipping is, at one recv() per
 * interval instead of one per prefetch.
 */
#define RODP_POLL_INTERVAL_NS 1000000ULL
static uint64_t rodp_last_poll_ns;	/* atomic */

RODP_HOT
void rodp_libconn_poll(void)
{
	uint64_t now, last;
	struct rodp_conn *c;

	/* Published once and never freed in this process (only a forked
	 * child drops its copy, before any of its threads runs): no need
	 * for rodp_conn_lock on this path. Without a connection there is
	 * nothing to read, not even the clock. */
	c = __atomic_load_n(&rodp_conn, __ATOMIC_ACQUIRE);
	if (!c)
		return;
	now = rodp_clock_ns();
	last = __atomic_load_n(&rodp_last_poll_ns, __ATOMIC_RELAXED);
	if (now >= last && now - last < RODP_POLL_INTERVAL_NS)
		return;
	/* One thread per interval does it. */
	if (!__atomic_compare_exchange_n(&rodp_last_poll_ns, &last, now, 0,
					 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return;

	/* A thread in a bind reads the socket itself and delivers what it
	 * finds: no need to wait for it. */
	if (pthread_mutex_trylock(&c->ctx->lock) == 0) {
		rodp_conn_drain(c);
		pthread_mutex_unlock(&c->ctx->lock);
	}
}

int rodp_libconn(struct rodp_ctx **ctx)
{
	struct rodp_conn *c;
	int err = rodp_conn_get(&c);

	if (!err)
		*ctx = c->req;
	return err;
}

int rodp_libconn_quiet(struct rodp_ctx **ctx)
{
	struct rodp_conn *c;
	int err = rodp_conn_get_how(&c, 1);

	if (!err)
		*ctx = c->req;
	return err;
}

static int rodp_libconn_binder(struct rodp_ctx **ctx)
{
	struct rodp_conn *c;
	int err = rodp_conn_get_how(&c, 1);

	if (!err)
		*ctx = c->ctx;
	return err;
}

static void rodp_conn_prepare(void)
{
	pthread_mutex_lock(&rodp_conn_lock);
	if (rodp_conn) {
		pthread_mutex_lock(&rodp_conn->ctx->lock);
		pthread_mutex_lock(&rodp_conn->req->lock);
	}
}

static void rodp_conn_parent(void)
{
	if (rodp_conn) {
		pthread_mutex_unlock(&rodp_conn->req->lock);
		pthread_mutex_unlock(&rodp_conn->ctx->lock);
	}
	pthread_mutex_unlock(&rodp_conn_lock);
}

/* The child closes its copies of the parent's descriptors and starts
 * afresh: the parent's queues and binder socket stay the parent's. The
 * subscriptions of the parent's contexts stay with those contexts (a
 * child cannot use them: EBADF) until rodp_close() frees the copies. */
static void rodp_conn_child(void)
{
	pthread_mutex_init(&rodp_conn_lock, NULL);
	if (rodp_conn) {
		struct rodp_conn *c = rodp_conn;

		rodp_conn = NULL;
		rodp_events_on = 0;
		rodp_events_sub = 0;
		if (c->dflt)
			rodp_evsub_free(c->dflt);
		nl_socket_free(c->ctx->sock);
		free(c->ctx);
		nl_socket_free(c->req->sock);
		free(c->req);
		free(c);
	}
}

/* After mr_table.c's handlers: see rodp_mr_init() for the lock order. */
__attribute__((constructor(103))) static void rodp_conn_init(void)
{
	pthread_atfork(rodp_conn_prepare, rodp_conn_parent, rodp_conn_child);
}

/* ---- REGION_BIND and REGION_GET ---- */

struct rodp_region_req {
	const struct rodp_mr_entry *mr;
	uint64_t id;
	struct rodp_region_info *info;
	struct rodp_range **ranges;
	int seen;
};

static int rodp_region_info_parse(struct nlattr **tb, void *arg);

static int rodp_bind_put(struct nl_msg *msg, void *arg)
{
	struct rodp_region_req *req = arg;

	if (nla_put_u64(msg, RODP_A_ADDR, (uintptr_t)req->mr->addr) < 0 ||
	    nla_put_u64(msg, RODP_A_LENGTH, req->mr->length) < 0 ||
	    nla_put_u32(msg, RODP_A_LKEY, req->mr->lkey) < 0)
		return EMSGSIZE;
	return 0;
}

/*
 * rodp.ko's BIND takes the range only and picks, among the caller's live
 * regions covering it, an exact one before a larger one and an unbound one
 * before a bound one; it cannot tell the same buffer registered on two
 * devices, or by a plain ibv_reg_mr() with other access flags, from the
 * MR at hand. The reply names the region it chose, so the library checks
 * it is this MR's: same device, same range, same access flags. A wrong
 * pick is now bound (to this MR's lkey), so asking again makes the kernel
 * prefer another unbound candidate; after a few wrong picks the MR stays
 * unbound (no statistics, no events) rather than be bound to another
 * MR's region.
 */
#define RODP_BIND_TRIES 4

int rodp_region_key_matches(const char *rdevice, uint64_t raddr,
			    uint64_t rlength, uint32_t raccess,
			    const char *device, uint64_t addr, uint64_t length,
			    unsigned int access)
{
	/* The access flags every kernel keeps as given; optional ones
	 * (IBV_ACCESS_OPTIONAL_RANGE, e.g. relaxed ordering) may be
	 * dropped on the way. */
	const uint32_t mandatory = (1u << 20) - 1;

	/* Both names are IB_DEVICE_NAME_MAX (64) buffers. */
	return raddr == addr && rlength == length &&
	       !strncmp(rdevice, device, 64) &&
	       !((raccess ^ access) & mandatory);
}

int rodp_bind_region_matches(const struct rodp_region_info *info,
			     const char *device, uint64_t addr, uint64_t length,
			     unsigned int access)
{
	return rodp_region_key_matches(info->device, info->addr, info->length,
				       info->access, device, addr, length,
				       access);
}

int rodp_bind_entry(const struct rodp_mr_entry *mr, uint64_t *region_id,
		    struct rodp_range **live, uint32_t *nlive)
{
	const char *dev = mr->device;
	unsigned int access = mr->access;
	struct rodp_region_info info;
	struct rodp_region_req req = { .mr = mr, .info = &info,
				       .ranges = live };
	struct rodp_ctx *ctx;
	int err, tries;

	*live = NULL;
	*nlive = 0;
	err = rodp_libconn_binder(&ctx);
	if (err)
		return err;
	for (tries = 0; tries < RODP_BIND_TRIES; tries++) {
		req.seen = 0;
		err = rodp_nl_request(ctx, RODP_CMD_REGION_BIND, 0,
				      rodp_bind_put, rodp_region_info_parse,
				      &req);
		if (!err && !req.seen)
			err = EPROTO;
		if (err)
			break;
		if (rodp_bind_region_matches(&info, dev, (uintptr_t)mr->addr,
					     mr->length, access)) {
			*region_id = info.id;
			*nlive = info.nr_ranges;
			return 0;
		}
		RODP_LIB_INC(bind_mismatch);
		free(*live);
		*live = NULL;
		err = rodp_fail(ENOENT, "rodp.ko offered region %llu (%s, "
				"access 0x%x) for this MR on %s (access 0x%x): "
				"not its own, left unbound",
				(unsigned long long)info.id, info.device,
				info.access, dev, access);
	}
	free(*live);
	*live = NULL;
	return err;
}

static int rodp_region_id_put(struct nl_msg *msg, void *arg)
{
	struct rodp_region_req *req = arg;

	return nla_put_u64(msg, RODP_A_REGION_ID, req->id) < 0 ? EMSGSIZE : 0;
}

static int rodp_region_info_parse(struct nlattr **tb, void *arg)
{
	struct rodp_region_req *req = arg;

	if (req->seen)
		return EPROTO;
	req->seen = 1;
	return rodp_region_from_attrs(tb, req->info, req->ranges);
}

int rodp_region_get(struct rodp_ctx *conn, uint64_t id,
		    struct rodp_region_info *info, struct rodp_range **ranges)
{
	struct rodp_region_req req = { .id = id, .info = info,
				       .ranges = ranges };
	int err;

	*ranges = NULL;
	err = rodp_nl_request(conn, RODP_CMD_REGION_GET, 0, rodp_region_id_put,
			      rodp_region_info_parse, &req);
	if (!err && !req.seen)
		err = EPROTO;
	if (err) {
		free(*ranges);
		*ranges = NULL;
	}
	return err;
}

/* ---- events ---- */

RODP_HOT
int rodp_events_wanted(void)
{
	return __atomic_load_n(&rodp_events_on, __ATOMIC_RELAXED);
}

static struct rodp_evsub *rodp_evsub_new(struct rodp_conn *c,
					 const struct rodp_ctx *owner)
{
	struct epoll_event ee = { .events = EPOLLIN };
	struct rodp_evsub *s = calloc(1, sizeof(*s));

	if (!s) {
		rodp_set_error("librodp: out of memory for an event queue");
		errno = ENOMEM;
		return NULL;
	}
	s->owner = owner;
	s->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->evfd < 0 || s->epfd < 0)
		goto out_errno;
	ee.data.fd = s->evfd;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->evfd, &ee))
		goto out_errno;
	ee.data.fd = nl_socket_get_fd(c->ctx->sock);
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, ee.data.fd, &ee))
		goto out_errno;
	return s;

out_errno:
	rodp_set_error("librodp: cannot set up an event descriptor "
		       "(eventfd/epoll, errno %d)", errno);
	rodp_evsub_free(s);
	return NULL;
}

/*
 * ctx's subscriber (the default one for NULL), made on first use. The
 * first subscription in the process subscribes the binder socket to all
 * of the process's notifications; a rodp.ko that refuses (older, or
 * RODP_LISTENERS_MAX sockets of this process already listen) gets a bind
 * of every MR whose bind was put off instead, so their events reach it.
 * 0 and *out, or an errno.
 */
static int rodp_subscribe(struct rodp_ctx *ctx, struct rodp_conn **cp,
			  struct rodp_evsub **out)
{
	struct rodp_evsub *s, **slot;
	struct rodp_conn *c;
	int err;

	if (ctx && (err = rodp_ctx_check(ctx)))
		return err;
	err = rodp_conn_get(&c);
	if (err)
		return err;
	pthread_mutex_lock(&c->ctx->lock);
	slot = ctx ? &ctx->sub : &c->dflt;
	s = *slot;
	if (!s) {
		s = rodp_evsub_new(c, ctx);
		if (!s) {
			/* Never 0 here: the caller takes 0 for *out set. */
			err = errno ? errno : ENOMEM;
			pthread_mutex_unlock(&c->ctx->lock);
			return err;
		}
		s->next = c->subs;
		c->subs = s;
		*slot = s;
	}
	pthread_mutex_unlock(&c->ctx->lock);
	if (!__atomic_exchange_n(&rodp_events_on, 1, __ATOMIC_RELAXED)) {
		if (!rodp_nl_request(c->ctx, RODP_CMD_EVENTS_SUBSCRIBE, 0,
				     NULL, NULL, NULL))
			__atomic_store_n(&rodp_events_sub, 1,
					 __ATOMIC_RELAXED);
		else
			rodp_bind_pending();
	}
	*cp = c;
	*out = s;
	return 0;
}

void rodp_unsubscribe(struct rodp_ctx *ctx)
{
	struct rodp_evsub *s = ctx->sub, **pp;
	struct rodp_conn *c;

	if (!s)
		return;
	ctx->sub = NULL;
	/* In a forked child the subscription is the parent's copy and is
	 * in no list of this process: only its descriptors and memory,
	 * the child's copies, are freed. */
	pthread_mutex_lock(&rodp_conn_lock);
	c = rodp_conn;
	if (c) {
		pthread_mutex_lock(&c->ctx->lock);
		for (pp = &c->subs; *pp; pp = &(*pp)->next)
			if (*pp == s) {
				*pp = s->next;
				break;
			}
		pthread_mutex_unlock(&c->ctx->lock);
	}
	pthread_mutex_unlock(&rodp_conn_lock);
	rodp_evsub_free(s);
}

RODP_EXPORT int rodp_get_event_fd(struct rodp_ctx *ctx)
{
	struct rodp_evsub *s;
	struct rodp_conn *c;
	int err;

	rodp_clear_error();
	err = rodp_subscribe(ctx, &c, &s);
	if (err) {
		errno = err;
		return -1;
	}
	return s->epfd;
}

/* Reads what the binder socket holds into the queues, without blocking.
 * Called with ctx->lock held. */
static void rodp_conn_drain(struct rodp_conn *c)
{
	static __thread char buf[32768];
	int fd = nl_socket_get_fd(c->ctx->sock);
	/* Begun after every deregistration whose tombstone has a smaller
	 * sequence returned: what those regions sent is read by the time
	 * the socket is empty. */
	uint64_t seq = __atomic_add_fetch(&rodp_read_seq, 1, __ATOMIC_SEQ_CST);

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		size_t off = 0, used;

		if (n < 0) {
			if (errno == ENOBUFS) {
				/* The kernel dropped notifications. */
				rodp_conn_overrun(c->ctx);
				continue;
			}
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				rodp_mr_tomb_sweep(seq);
			return;		/* EAGAIN: empty */
		}
		while (off < (size_t)n) {
			int ret = rodp_conn_deliver(c, buf + off,
						    (size_t)n - off, &used);

			if (ret == EPROTO && used == (size_t)n - off)
				break;
			off += used;
		}
	}
}

RODP_EXPORT int rodp_get_event(struct rodp_ctx *ctx, struct rodp_event *event,
			       size_t event_size)
{
	struct rodp_event ev;
	struct rodp_evsub *s;
	struct rodp_conn *c;
	int err;

	rodp_clear_error();
	if (!event || !event_size)
		return rodp_fail(EINVAL, "rodp_get_event: %s",
				 event ? "event_size is 0" : "event is NULL");
	err = rodp_subscribe(ctx, &c, &s);
	if (err)
		return err;

	pthread_mutex_lock(&c->ctx->lock);
	rodp_conn_drain(c);
	err = rodp_evsub_take(s, &ev);
	pthread_mutex_unlock(&c->ctx->lock);
	if (err)
		return rodp_fail(EAGAIN, "no event is pending");

	/* Looked up now, after the table lost every MR deregistered with
	 * rodp_dereg_mr(): never a pointer to a freed MR. */
	if (ev.type != RODP_EVENT_LOST) {
		uint32_t lkey;

		ev.mr = rodp_mr_by_region_lkey(ev.region_id, &lkey);
		/* A region matched without a bind has no lkey in rodp.ko. */
		if (ev.mr && !ev.lkey)
			ev.lkey = lkey;
	}
	RODP_LIB_INC(events);
	memcpy(event, &ev, event_size < sizeof(ev) ? event_size : sizeof(ev));
	return 0;
}
