// SPDX-License-Identifier: GPL-2.0
/*
 * rodp: which netlink sockets rodp remembers.
 *
 * A socket is remembered as a region's binder (REGION_BIND) and as a
 * process's listener (EVENTS_SUBSCRIBE), and forgotten when it is
 * released (NETLINK_URELEASE), so that a later socket that reuses the
 * portid never gets the old one's notifications. The kernel sends that
 * notification for every generic netlink socket in the system (iw,
 * ethtool, devlink, ...), and forgetting walks every region of every
 * process under spinlocks: here, a socket that rodp never remembered is
 * told apart in O(1) and skips the walk.
 *
 * rodp_portid_refs counts the remembered sockets by a hash of their
 * portid: a bucket at zero holds none, whatever the hash's collisions.
 * Exactness rests on one ordering: every hold for a portid is taken while
 * its socket sends a request (the binder and the listener are always the
 * sending socket, snd_portid), and the socket is released only after its
 * last sendmsg() returned (the file's last reference), so a release reads
 * a count that includes every hold of its own socket. A hold is dropped
 * where the socket stops being remembered (unbound, replaced, forgotten,
 * or its region freed), under the lock that guards the field it was
 * written to.
 */
#include <linux/atomic.h>
#include <linux/hash.h>

#include "rodp.h"

#define RODP_PORTID_BITS	8

static atomic_t rodp_portid_refs[1 << RODP_PORTID_BITS];

static atomic_t *rodp_portid_bucket(u32 portid)
{
	return &rodp_portid_refs[hash_32(portid, RODP_PORTID_BITS)];
}

/**
 * rodp_portid_hold() - remember that @portid is stored somewhere
 * @portid: a socket's portid; 0 (no socket) is ignored
 *
 * Context: any.
 */
void rodp_portid_hold(u32 portid)
{
	if (portid)
		atomic_inc(rodp_portid_bucket(portid));
}

/**
 * rodp_portid_put() - @portid is no longer stored where it was held
 * @portid: the portid given to rodp_portid_hold(); 0 is ignored
 *
 * Context: any.
 */
void rodp_portid_put(u32 portid)
{
	if (portid)
		WARN_ON_ONCE(atomic_dec_return(rodp_portid_bucket(portid)) < 0);
}

/**
 * rodp_portid_maybe_held() - whether rodp may still store @portid
 * @portid: a released socket's portid
 *
 * Return: false only when nothing holds @portid (nor any portid of its
 * bucket); true means "look".
 *
 * Context: any; called for the socket's release (see the top of this
 * file for why the answer is exact for it).
 */
bool rodp_portid_maybe_held(u32 portid)
{
	return atomic_read(rodp_portid_bucket(portid)) != 0;
}
