// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The device attributes rodp_reg_mr() and rodp_query_odp() decide on,
 * queried once per struct ibv_context instead of once per call (an
 * ibv_query_device_ex() is a system call into the driver).
 *
 * A context pointer can be reused after ibv_close_device(), so an entry
 * also remembers the context's device pointer and name: a different device
 * at a reused address is queried afresh. A device removed and added again
 * under the same name and at the same addresses would be taken for the
 * old one; its ODP capabilities are those of its driver, which do not
 * change by re-adding it.
 *
 * A few contexts per process is the norm; RODP_CAPS_SLOTS of them are
 * kept, the oldest entry making room. After fork the child keeps the
 * entries: its inherited contexts are the same devices.
 *
 * Each thread also remembers its last accepted registration check
 * (struct rodp_caps_memo), by the same test of the context, so that a
 * thread registering in a loop takes neither the lock nor the search.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "rodp_internal.h"

#define RODP_CAPS_SLOTS 16
/* Registration checks remembered per context: programs register with a
 * handful of access flag sets. */
#define RODP_CAPS_MEMO 4

struct rodp_caps_entry {
	struct ibv_context *ctx;	/* NULL: free slot */
	struct ibv_device *dev;
	char name[IBV_SYSFS_NAME_MAX];
	struct ibv_device_attr_ex attr;
	/* (access, flags) pairs rodp_reg_check() accepted on attr. */
	unsigned int memo_n;
	struct {
		unsigned int access, flags;
	} memo[RODP_CAPS_MEMO];
};

static pthread_mutex_t rodp_caps_lock = PTHREAD_MUTEX_INITIALIZER;
/* All protected by rodp_caps_lock. */
static struct rodp_caps_entry rodp_caps[RODP_CAPS_SLOTS];
static unsigned int rodp_caps_next;
unsigned long rodp_caps_queries;

static int rodp_caps_query_verbs(struct ibv_context *ctx,
				 struct ibv_device_attr_ex *attr)
{
	return ibv_query_device_ex(ctx, NULL, attr);
}

int (*rodp_caps_query)(struct ibv_context *ctx,
		       struct ibv_device_attr_ex *attr) = rodp_caps_query_verbs;

static int rodp_caps_match(const struct rodp_caps_entry *e,
			   const struct ibv_context *ctx)
{
	return e->ctx == ctx && e->dev == ctx->device &&
	       !strncmp(e->name, ctx->device->name, sizeof(e->name));
}

/* ctx's entry, queried and made if needed; NULL and *err when the query
 * failed. Called with rodp_caps_lock held. */
static struct rodp_caps_entry *rodp_caps_entry(struct ibv_context *ctx,
					       int *err)
{
	struct ibv_device_attr_ex attr;
	struct rodp_caps_entry *e;
	unsigned int i;

	for (i = 0; i < RODP_CAPS_SLOTS; i++)
		if (rodp_caps[i].ctx && rodp_caps_match(&rodp_caps[i], ctx))
			return &rodp_caps[i];
	/* Queried under the lock: two threads never query one context
	 * twice, and the query is rare. */
	memset(&attr, 0, sizeof(attr));
	rodp_caps_queries++;
	*err = rodp_caps_query(ctx, &attr);
	if (*err)
		return NULL;
	/* A stale entry of this address goes first. */
	for (i = 0; i < RODP_CAPS_SLOTS; i++)
		if (rodp_caps[i].ctx == ctx)
			break;
	if (i == RODP_CAPS_SLOTS)
		i = rodp_caps_next++ % RODP_CAPS_SLOTS;
	e = &rodp_caps[i];
	e->ctx = ctx;
	e->dev = ctx->device;
	snprintf(e->name, sizeof(e->name), "%s", ctx->device->name);
	e->attr = attr;
	e->memo_n = 0;
	return e;
}

int rodp_caps_get(struct ibv_context *ctx, struct ibv_device_attr_ex *attr)
{
	struct rodp_caps_entry *e;
	int err = 0;

	pthread_mutex_lock(&rodp_caps_lock);
	e = rodp_caps_entry(ctx, &err);
	if (e)
		*attr = e->attr;
	pthread_mutex_unlock(&rodp_caps_lock);
	return err;
}

/* Whether the thread's memo answers (ctx, access, flags): the same context
 * of the same device (its pointer and every byte of its name, as when the
 * memo was made), the same check. */
static int rodp_caps_memo_hit(const struct rodp_caps_memo *m,
			      const struct ibv_context *ctx,
			      unsigned int access, unsigned int flags)
{
	return m->ctx == ctx && m->dev == ctx->device &&
	       m->access == access && m->flags == flags &&
	       !memcmp(m->name, ctx->device->name, sizeof(m->name));
}

RODP_HOT
int rodp_caps_reg_check(struct rodp_thread *t, struct ibv_context *ctx,
			unsigned int access, unsigned int flags, char *msg,
			size_t msg_size, int *query_err)
{
	struct rodp_caps_memo *m = &t->caps;
	struct rodp_caps_entry *e;
	unsigned int i;
	int err;

	*query_err = 0;
	/* A thread registers with the same context and flags again and
	 * again: that answer takes no lock and no search. */
	if (rodp_caps_memo_hit(m, ctx, access, flags))
		return 0;
	pthread_mutex_lock(&rodp_caps_lock);
	e = rodp_caps_entry(ctx, query_err);
	if (!e) {
		pthread_mutex_unlock(&rodp_caps_lock);
		return *query_err;
	}
	err = 0;
	for (i = 0; i < e->memo_n; i++)
		if (e->memo[i].access == access && e->memo[i].flags == flags)
			break;
	if (i == e->memo_n) {
		err = rodp_reg_check(&e->attr, e->name, access, flags, msg,
				     msg_size);
		/* Only acceptances are remembered: a refusal keeps its
		 * message. */
		if (!err) {
			i = e->memo_n < RODP_CAPS_MEMO ? e->memo_n++ :
			    (access ^ flags) % RODP_CAPS_MEMO;
			e->memo[i].access = access;
			e->memo[i].flags = flags;
		}
	}
	pthread_mutex_unlock(&rodp_caps_lock);
	if (!err) {
		m->ctx = ctx;
		m->dev = ctx->device;
		m->access = access;
		m->flags = flags;
		memcpy(m->name, ctx->device->name, sizeof(m->name));
	}
	return err;
}

/* Fork safety: no thread holds the lock across fork(). */
static void rodp_caps_prepare(void)
{
	pthread_mutex_lock(&rodp_caps_lock);
}

static void rodp_caps_parent(void)
{
	pthread_mutex_unlock(&rodp_caps_lock);
}

static void rodp_caps_child(void)
{
	pthread_mutex_init(&rodp_caps_lock, NULL);
}

__attribute__((constructor)) static void rodp_caps_init(void)
{
	pthread_atfork(rodp_caps_prepare, rodp_caps_parent, rodp_caps_child);
}
