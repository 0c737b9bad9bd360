/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* librodp internals shared between its source files; never installed. */
#ifndef RODP_INTERNAL_H
#define RODP_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include <rodp/rodp.h>
#include <linux/rodp.h>

#define RODP_EXPORT __attribute__((visibility("default")))
/*
 * The registration and prefetch paths: placed together (.text.hot), so a
 * call touches few code pages. Under TCG every page a call touches after
 * the kernel ran costs a softmmu TLB refill, which is most of what the
 * library adds to a registration there; on hardware it is iTLB and cache
 * footprint.
 */
#define RODP_HOT __attribute__((hot))

struct rodp_ctx;
struct rodp_evsub;

/* Called for a region notification that arrives on a context's socket,
 * with ctx->lock held; nlh is the whole message. */
typedef void (*rodp_nl_ntf_fn)(struct rodp_ctx *ctx,
			       const struct nlmsghdr *nlh);

/* A connection to rodp.ko. lock serialises every request on sock. */
struct rodp_ctx {
	pthread_mutex_t lock;
	struct nl_sock *sock;	/* protected by lock */
	int family;		/* generic netlink id, fixed after open */
	pid_t pid;		/* opener: a forked child may not use it */
	rodp_nl_ntf_fn ntf;	/* notifications (library connection only) */
	void *ntf_arg;		/* for ntf, protected by lock */
	/* Called, with lock held, when the socket overran (ENOBUFS) during
	 * a request: notifications were dropped (library connection). */
	void (*overrun)(struct rodp_ctx *ctx);
	/* This context's event subscription, NULL until it asks for
	 * events; protected by the library connection's lock (libconn.c). */
	struct rodp_evsub *sub;
};

/* This process's pid, kept current across fork() (self.c). */
extern pid_t rodp_self_pid;
static inline pid_t rodp_getpid(void)
{
	return __atomic_load_n(&rodp_self_pid, __ATOMIC_RELAXED);
}

/* ---- per-thread state (thread_state.c) ---- */

/* The last registration check rodp_caps_reg_check() accepted for this
 * thread: valid while ctx still is that device (pointer and name). */
struct rodp_caps_memo {
	struct ibv_context *ctx;	/* NULL: nothing remembered */
	struct ibv_device *dev;
	unsigned int access, flags;
	char name[IBV_SYSFS_NAME_MAX];	/* a copy of dev->name, all of it */
};

enum rodp_thread_state {
	RODP_THREAD_NEW,	/* not counted anything yet */
	RODP_THREAD_LISTED,	/* counters in its block, on the list */
	RODP_THREAD_UNLISTED,	/* no key, or exited: counts atomically */
};

struct rodp_thread {
	/* Written by this thread only (relaxed load and store); read by
	 * rodp_lib_counters_read() while LISTED. */
	struct rodp_lib_stats counters;
	struct rodp_thread *next, *prev;	/* thread_state.c's lock */
	enum rodp_thread_state state;
	struct rodp_mr_entry *spare;	/* one free entry (mr_table.c) */
	struct rodp_caps_memo caps;	/* caps_cache.c */
	char errmsg[256];		/* rodp_last_error_msg() */
};

/*
 * Global-dynamic on purpose: an initial-exec access would need the
 * library's whole TLS block in static TLS, and a dlopen() of librodp
 * (Python's ctypes, an MPI component) would then fail with "cannot
 * allocate memory in static TLS block" (test_dlopen).
 */
extern __thread struct rodp_thread rodp_thread_self;
extern struct rodp_lib_stats rodp_lib_common;
/* Lists t (or marks it UNLISTED); called once per thread. */
void rodp_thread_link(struct rodp_thread *t);
/* The sum of every thread's counters. */
void rodp_lib_counters_read(struct rodp_lib_stats *out);

/* The calling thread's state, listed: one TLS access. */
static inline struct rodp_thread *rodp_thread(void)
{
	struct rodp_thread *t = &rodp_thread_self;

	/* Opaque to the compiler from here: in a shared library a TLS
	 * address is a __tls_get_addr() call, which GCC would rather repeat
	 * at each use than keep the address in a register. */
	__asm__("" : "+r"(t));
	if (__builtin_expect(t->state == RODP_THREAD_NEW, 0))
		rodp_thread_link(t);
	return t;
}

/* t->counters.field += v, t the calling thread's rodp_thread(): no lock,
 * no atomic read-modify-write on the usual path. */
static inline void rodp_count(struct rodp_thread *t, size_t off, uint64_t v)
{
	uint64_t *p;

	if (__builtin_expect(t->state == RODP_THREAD_LISTED, 1)) {
		p = (uint64_t *)((char *)&t->counters + off);
		__atomic_store_n(p, __atomic_load_n(p, __ATOMIC_RELAXED) + v,
				 __ATOMIC_RELAXED);
	} else {
		p = (uint64_t *)((char *)&rodp_lib_common + off);
		__atomic_fetch_add(p, v, __ATOMIC_RELAXED);
	}
}

/* Sets the calling thread's rodp_last_error_msg(). */
void rodp_set_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static inline void rodp_clear_error(void)
{
	rodp_thread_self.errmsg[0] = '\0';
}
/* rodp_set_error() and returns err: for one-line refusals. */
int rodp_fail(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* 0 when ctx may be used by this process, EINVAL for NULL, EBADF for a
 * context inherited across fork (with rodp_last_error_msg() set). */
int rodp_ctx_check(const struct rodp_ctx *ctx);

/* Adds a request's attributes to msg; returns 0 or a positive errno. */
typedef int (*rodp_nl_put_fn)(struct nl_msg *msg, void *arg);
/* Consumes one reply; tb is indexed by enum rodp_attr. */
typedef int (*rodp_nl_parse_fn)(struct nlattr **tb, void *arg);

/*
 * Sends command cmd (NLM_F_DUMP in flags for a dump) and feeds every reply
 * to parse. Returns 0 or a positive errno: the kernel's own error, or one
 * translated from libnl's NLE_* codes.
 */
int rodp_nl_request(struct rodp_ctx *ctx, uint8_t cmd, int flags,
		    rodp_nl_put_fn put, rodp_nl_parse_fn parse, void *arg);

/* Positive errno for a negative libnl NLE_* code. */
int rodp_nl_errno(int nle);

/* Pure ODP capability decision, split out of rodp_query_odp() for tests. */
int rodp_odp_decide(const struct ibv_device_attr_ex *attr,
		    enum rodp_transport transport, enum rodp_op op,
		    enum rodp_odp_reason *reason);

/* Copies a nested RODP_A_STATS into *stats; returns 0 or EPROTO. */
int rodp_stats_from_nest(struct nlattr *nest, struct rodp_stats *stats);

/* ---- netlink message parsing (parse.c), pure: unit-tested on crafted
 * buffers ---- */

/* Largest number of live ranges accepted in one region message. */
#define RODP_MAX_RANGES 65536

/*
 * Reads a RODP_A_REGION_RANGES nest: *n ranges, *live_bytes their sum.
 * With out non-NULL, fills up to out_max entries. 0 or EPROTO.
 */
int rodp_ranges_parse(struct nlattr *nest, struct rodp_range *out,
		      size_t out_max, uint32_t *n, uint64_t *live_bytes);

/*
 * Fills *info from a region message's attributes; *ranges gets a
 * malloc()ed array of the live ranges (NULL when there are none).
 * 0, EPROTO (missing or malformed attribute) or ENOMEM.
 */
int rodp_region_from_attrs(struct nlattr **tb, struct rodp_region_info *info,
			   struct rodp_range **ranges);

/* The attribute policy of every message rodp.ko sends (parse.c). */
extern const struct nla_policy rodp_attr_policy[RODP_A_MAX + 1];

/*
 * Parses the first netlink message of buf (len bytes) as a region
 * notification of generic netlink family: 0 and *ev, ENOMSG (a valid
 * message that is not a notification), EPROTO (truncated or malformed).
 * *msg_len gets the length consumed (aligned), for walking a datagram.
 */
int rodp_ntf_parse(const void *buf, size_t len, int family,
		   struct rodp_event *ev, size_t *msg_len);
/*
 * rodp_ntf_parse() that also returns the notification's live ranges in
 * *ranges (malloc()ed, ev->live_ranges of them; NULL when none). ENOMEM
 * when they cannot be copied (*ev is filled all the same).
 */
int rodp_ntf_parse_ranges(const void *buf, size_t len, int family,
			  struct rodp_event *ev, size_t *msg_len,
			  struct rodp_range **ranges);
/*
 * What a notification says of its region beyond struct rodp_event: enough
 * to name the MR it belongs to when the region was never bound (the
 * process subscribed with RODP_CMD_EVENTS_SUBSCRIBE instead).
 */
struct rodp_ntf_key {
	char device[64];
	uint32_t access;
	int implicit_child;
	int64_t twins;		/* RODP_A_TWINS, -1 when absent */
};
/* rodp_ntf_parse_ranges() that also fills *key when key is not NULL. */
int rodp_ntf_parse_key(const void *buf, size_t len, int family,
		       struct rodp_event *ev, size_t *msg_len,
		       struct rodp_range **ranges, struct rodp_ntf_key *key);

/* Reads RODP_PREFETCH_FALLBACK again (at load and every rodp_open()). */
void rodp_prefetch_env_reload(void);

/* ---- prefetch planning (prefetch_plan.c), pure ---- */

/* Longest SGE and most SGEs per ibv_advise_mr() call the library uses. */
#define RODP_SGE_MAX_LEN (1ULL << 30)
#define RODP_SGE_PER_CALL 32

/* Most SGEs one prefetch may make (RODP_SGE_MAX_LEN each: 4 TiB). */
#define RODP_PREFETCH_MAX_SGES 4096

/*
 * Splits [start, start + len) into segments of at most max_seg bytes,
 * keeping only what lies in the live ranges (all of it when live is NULL),
 * which must be normalised (rodp_ranges_normalise()). Writes up to out_max
 * segments in address order; returns how many there are in all (counted
 * arithmetically, SIZE_MAX if that does not fit). *dead_bytes gets the
 * bytes dropped as not live.
 */
size_t rodp_prefetch_plan(uint64_t start, uint64_t len,
			  const struct rodp_range *live, size_t nlive,
			  uint64_t max_seg, struct rodp_range *out,
			  size_t out_max, uint64_t *dead_bytes);

/* ---- device attributes, cached per ibv_context (caps_cache.c) ---- */

/* ibv_query_device_ex() of ctx, from the cache after the first call. */
int rodp_caps_get(struct ibv_context *ctx, struct ibv_device_attr_ex *attr);
/*
 * rodp_reg_check() on ctx's cached attributes, an accepted (access,
 * flags) remembered per context, and the last one in t, the calling
 * thread's rodp_thread(), so that a registration neither copies the
 * attributes nor decides again. 0, rodp_reg_check()'s refusal (msg
 * set), or the query's error (also in *query_err).
 */
int rodp_caps_reg_check(struct rodp_thread *t, struct ibv_context *ctx,
			unsigned int access, unsigned int flags, char *msg,
			size_t msg_size, int *query_err);
/* The query the cache makes (ibv_query_device_ex); tests replace it. */
extern int (*rodp_caps_query)(struct ibv_context *ctx,
			      struct ibv_device_attr_ex *attr);
/* Queries made so far (for the tests). */
extern unsigned long rodp_caps_queries;

/* Sorts r by start and merges overlapping or touching ranges, dropping
 * empty ones, in place; returns the new count. */
size_t rodp_ranges_normalise(struct rodp_range *r, size_t n);

/* ---- registration checks (reg_check.c), pure ---- */

/*
 * Can an ODP MR with these access flags and rodp_reg_flags be made on a
 * device with attr? 0, or EOPNOTSUPP/ENOTSUP/EINVAL with a message in
 * msg (msg_size bytes).
 */
int rodp_reg_check(const struct ibv_device_attr_ex *attr, const char *dev,
		   unsigned int access, unsigned int flags, char *msg,
		   size_t msg_size);

/* ---- the MR table (mr_table.c) ---- */

/* The library's state for one MR. rodp_track() (reg.c) sets every field
 * of a new entry, one by one: a new field is set there too. */
struct rodp_mr_entry {
	struct rodp_mr_entry *next;	/* hash chain */
	struct ibv_mr *mr;		/* the key */
	/* Copies of the MR's identity, to spot a pointer reused after a
	 * direct ibv_dereg_mr(). */
	struct ibv_context *context;
	void *addr;
	size_t length;
	uint32_t lkey;
	uint32_t handle;
	pid_t pid;			/* registering process */
	char device[64];		/* ibv_get_device_name() of context:
					 * binding needs no dereference of
					 * an MR another thread may free */
	unsigned int access;
	uint32_t flags;			/* RODP_MR_ODP, _PINNED_FALLBACK, _BOUND */
	int fallback_errno;
	uint64_t region_id;
	unsigned int bind_gen;		/* rodp_libconn_gen() when bind was
					 * last tried; RODP_BIND_NOT_TRIED
					 * for a lazily bound MR */
	/* The live ranges rodp.ko last reported (bind reply, region
	 * events, REGION_GET), normalised; meaningful with live_known,
	 * else the whole MR counts as live. live is owned by the table:
	 * a copy from rodp_mr_lookup() has it NULL. */
	int live_known;
	uint32_t nlive;
	struct rodp_range *live;
	uint64_t prefetch_calls;
	uint64_t prefetch_advise;
	uint64_t prefetch_shim;
	uint64_t prefetch_bytes;
	uint64_t prefetch_dead_bytes;
};

/* Adds e (malloc()ed, e->mr set); replaces a stale entry of the same
 * pointer. */
void rodp_mr_insert(struct rodp_thread *t, struct rodp_mr_entry *e);
/* Removes mr's entry and returns it (caller frees), or NULL: *err gets
 * ENOENT (unknown or stale) or EBADF (another process's). */
struct rodp_mr_entry *rodp_mr_remove(struct ibv_mr *mr, int *err);
/* rodp_mr_remove() that, for an explicit ODP MR while the library's
 * connection exists, also puts up a tombstone for its key (mr_tomb.c):
 * *tomb gets what rodp_mr_unbury() takes once ibv_dereg_mr() returned,
 * RODP_NO_TOMB when none was put up. */
#define RODP_NO_TOMB (-2)
struct rodp_mr_entry *rodp_mr_remove_buried(struct rodp_thread *t,
					    struct ibv_mr *mr, int *err,
					    int *tomb);
/* deregistered: ibv_dereg_mr() succeeded (the tombstone stands until a
 * read of the socket that began after it empties it), else it falls. */
void rodp_mr_unbury_tomb(int tomb, int deregistered);
static inline void rodp_mr_unbury(int tomb, int deregistered)
{
	if (tomb != RODP_NO_TOMB)
		rodp_mr_unbury_tomb(tomb, deregistered);
}
/* A read of the binder socket that began with sequence read_seq found it
 * empty. */
void rodp_mr_tomb_sweep(uint64_t read_seq);

/* mr_tomb.c, all under the MR table's lock. */
int rodp_tomb_open(const struct rodp_mr_entry *e);	/* slot, or -1 */
void rodp_tomb_close(int slot, int deregistered, uint64_t seq);
void rodp_tomb_sweep(uint64_t read_seq);
int rodp_tomb_blocks(const char *device, uint64_t addr, uint64_t length,
		     unsigned int access);
/* Copies mr's entry into *copy: 0, ENOENT, EBADF. */
int rodp_mr_lookup(struct ibv_mr *mr, struct rodp_mr_entry *copy);
/* mr's live entry with the table locked, to be released by
 * rodp_mr_unhold() after a few field accesses and no other lock; or NULL,
 * unlocked, with *err ENOENT or EBADF. */
struct rodp_mr_entry *rodp_mr_hold(struct ibv_mr *mr, int *err);
void rodp_mr_unhold(void);
/* Calls fn on mr's live entry under the table lock: 0, ENOENT, EBADF. */
int rodp_mr_update(struct ibv_mr *mr,
		   void (*fn)(struct rodp_mr_entry *e, void *arg), void *arg);
/* This process's MR bound to region id, or NULL; *lkey its lkey, 0
 * when there is none. */
struct ibv_mr *rodp_mr_by_region(uint64_t region_id);
struct ibv_mr *rodp_mr_by_region_lkey(uint64_t region_id, uint32_t *lkey);
/* Whom a region notification concerns (rodp_mr_claim_region()). */
enum rodp_ntf_owner {
	RODP_NTF_NO_MR,		/* no MR of this process's library */
	RODP_NTF_BOUND_MR,	/* the MR bound to its region id */
	RODP_NTF_MATCHED_MR,	/* an unbound MR, matched exactly: now bound */
	RODP_NTF_AMBIGUOUS,	/* a candidate, but not provably the one */
};
enum rodp_ntf_owner rodp_mr_claim_region(const struct rodp_event *ev,
					 const struct rodp_ntf_key *key);
/* An entry with every field unset (the thread's spare, or malloc()ed), or
 * NULL: rodp_track() (reg.c) sets each field. */
struct rodp_mr_entry *rodp_mr_entry_alloc(struct rodp_thread *t);
/* Frees an entry rodp_mr_remove() returned, with its live ranges. */
void rodp_mr_entry_free(struct rodp_thread *t, struct rodp_mr_entry *e);
/*
 * Replaces the live ranges of the entry bound to region id (by_region) or
 * of mr: takes ownership of live (malloc()ed, n entries, any order; NULL
 * with n 0 for none). 0 or ENOENT (no such entry: live is freed).
 */
int rodp_mr_set_live_by_region(uint64_t region_id, struct rodp_range *live,
			       uint32_t n);
int rodp_mr_set_live(struct ibv_mr *mr, struct rodp_range *live, uint32_t n);

/* bind_gen of an MR whose bind was put off (no event subscriber when it
 * was registered): rodp_mr_late_bind() tries it on any connection. */
#define RODP_BIND_NOT_TRIED (~0u)

/*
 * Copies (at most max) the entries of this process's ODP MRs that are not
 * bound and may be bound now (see rodp_mr_late_bind()); returns how many.
 * The copies have live NULL: they identify MRs without dereferencing them.
 */
size_t rodp_mr_unbound(struct rodp_mr_entry *out, size_t max);
/* rodp_mr_update() for the entry that still matches copy (same pointer and
 * identity), without dereferencing copy->mr: 0 or ENOENT. */
int rodp_mr_update_copy(const struct rodp_mr_entry *copy,
			void (*fn)(struct rodp_mr_entry *e, void *arg),
			void *arg);

/*
 * Binds an MR registered while rodp.ko was absent (or whose bind failed),
 * when the library's connection is newer than the last attempt: updates
 * the table's entry and *e (a copy). 0 when bound now, else an errno
 * (ENOENT: nothing to try).
 */
int rodp_mr_late_bind(struct ibv_mr *mr, struct rodp_mr_entry *e);

/* ---- event queues and subscribers (evq.c), pure ---- */

#define RODP_EVQ_LEN 1024

/* A bounded queue whose last slot is kept for a RODP_EVENT_LOST marker. */
struct rodp_evq {
	struct rodp_event q[RODP_EVQ_LEN];
	unsigned int head, count;
};

/* 0 and the oldest event, or EAGAIN. */
int rodp_evq_pop(struct rodp_evq *q, struct rodp_event *ev);

/* One subscriber: a context (owner) or the library's default (NULL). */
struct rodp_evsub {
	struct rodp_evsub *next;
	const struct rodp_ctx *owner;
	int evfd;		/* readable while q is not empty; -1 in tests */
	int epfd;		/* what rodp_get_event_fd() returns */
	struct rodp_evq q;
};

/* Queues ev in every subscriber of list (waking those that were idle). */
void rodp_evsub_fanout(struct rodp_evsub *list, const struct rodp_event *ev);
/* The socket overran: a lost-events marker in every subscriber. */
void rodp_evsub_overrun(struct rodp_evsub *list);
/* Takes s's next event: 0 or EAGAIN. */
int rodp_evsub_take(struct rodp_evsub *s, struct rodp_event *ev);

/* Drops ctx's subscription, if it has one (rodp_close()). */
void rodp_unsubscribe(struct rodp_ctx *ctx);

/* After a socket overrun a SHRUNK event may be lost: every MR's live
 * ranges are forgotten (planned as all live until refreshed). */
void rodp_mr_forget_live(void);

/* ---- the library's own netlink connection (libconn.c) ---- */

/*
 * The process-wide connection that binds MRs and receives their events,
 * opened on first use. 0 and *ctx, or ENODEV (rodp.ko not loaded) and
 * friends from rodp_open().
 */
int rodp_libconn(struct rodp_ctx **ctx);
/* The same without a message when the module is remembered absent. */
int rodp_libconn_quiet(struct rodp_ctx **ctx);
/* Opens each socket of that connection: rodp_open(); the host tests put
 * a fake rodp.ko behind it. */
extern struct rodp_ctx *(*rodp_conn_ctx_open)(void);
/* Connections the library opened so far; see rodp_mr_entry.bind_gen. */
unsigned int rodp_libconn_gen(void);
/* Whether the library's connection (its binder socket) exists. */
int rodp_libconn_exists(void);
/* Reads of the binder socket begun so far (rodp_mr_tomb_sweep()). */
uint64_t rodp_libconn_read_seq(void);
/* Reads pending notifications off the library's connection, if it is
 * open and idle, so MRs' live ranges are current. No round trip. */
void rodp_libconn_poll(void);
/* Binds the MR that e describes (device, addr, length, lkey, access; e->mr
 * is not dereferenced) to its rodp.ko region: 0, *region_id and the
 * region's live ranges (*live malloc()ed, *nlive of them), or an errno. */
int rodp_bind_entry(const struct rodp_mr_entry *e, uint64_t *region_id,
		    struct rodp_range **live, uint32_t *nlive);
/*
 * Non-zero once some context of this process subscribed to events: from
 * then on an ODP MR is bound when it is registered (its events need the
 * binding); before, binding is put off until something needs the region
 * (statistics, rodp.ko's prefetch, a subscription), so registration makes
 * no netlink round trip.
 */
int rodp_events_wanted(void);
/* Binds every MR whose bind was put off (at the first subscription). */
void rodp_bind_pending(void);
/* Is the region rodp.ko chose for a bind this MR's own (device, range,
 * access flags)? Pure, for the unit tests. */
int rodp_bind_region_matches(const struct rodp_region_info *info,
			     const char *device, uint64_t addr, uint64_t length,
			     unsigned int access);
/* The same check on a region's fields: device, range, access flags. */
int rodp_region_key_matches(const char *rdevice, uint64_t raddr,
			    uint64_t rlength, uint32_t raccess,
			    const char *device, uint64_t addr, uint64_t length,
			    unsigned int access);
/* rodp.ko accepted RODP_CMD_EVENTS_SUBSCRIBE: every notification of this
 * process's regions reaches the library without a bind per MR. */
int rodp_events_subscribed(void);
/* Reads region id into *info (+ malloc()ed *ranges) over conn. */
int rodp_region_get(struct rodp_ctx *conn, uint64_t id,
		    struct rodp_region_info *info, struct rodp_range **ranges);

/* ---- retrying a connection to an absent rodp.ko (conn_retry.c) ---- */

/* How long "rodp.ko is absent" is trusted without a new rodp_open(). */
#define RODP_ABSENT_RETRY_NS 1000000000ULL

struct rodp_absent {
	int absent;		/* the last attempt found no rodp family */
	uint64_t when_ns;	/* rodp_clock_ns() of that attempt */
	unsigned int open_gen;	/* rodp_open_generation then */
};

/* Successful rodp_open() calls in this process (atomic). */
extern unsigned int rodp_open_generation;
/* CLOCK_MONOTONIC in ns; the unit tests replace it with a fake clock. */
extern uint64_t (*rodp_clock_ns)(void);
/* Non-zero when a new attempt would only find the module absent again. */
int rodp_absent_skip(const struct rodp_absent *a, uint64_t now_ns,
		     unsigned int open_gen);
/* Records the outcome (0 or an errno) of an attempt made at now_ns. */
void rodp_absent_note(struct rodp_absent *a, int err, uint64_t now_ns,
		      unsigned int open_gen);
/* Attempts to open the library's connection so far (for the tests). */
extern unsigned long rodp_conn_attempts;

/* ---- library counters (lib_stats.c) ---- */

/* Per thread (thread_state.c); the gauge mrs_tracked may go below zero
 * in one thread's block and is right in the sum. */
#define RODP_T_ADD(t, field, v) \
	rodp_count((t), offsetof(struct rodp_lib_stats, field), (uint64_t)(v))
#define RODP_T_INC(t, field) RODP_T_ADD(t, field, 1)
#define RODP_T_DEC(t, field) RODP_T_ADD(t, field, -1)
/* The same where the caller has no rodp_thread() at hand: each use is a
 * TLS lookup, a call in a shared library, so the hot paths pass t. */
#define RODP_LIB_ADD(field, v) RODP_T_ADD(rodp_thread(), field, v)
#define RODP_LIB_INC(field) RODP_LIB_ADD(field, 1)
#define RODP_LIB_DEC(field) RODP_LIB_ADD(field, -1)

#endif /* RODP_INTERNAL_H */
