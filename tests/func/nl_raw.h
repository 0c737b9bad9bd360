/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Raw generic netlink for the reliability tests: they must send what no
 * library would build (lying lengths, duplicated or unknown attributes),
 * so they talk to the kernel through a plain AF_NETLINK socket and check
 * every byte that comes back themselves.
 */
#ifndef RODP_TESTS_NL_RAW_H
#define RODP_TESTS_NL_RAW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>

/* A generic netlink socket with extended ACKs and capped ACKs (an error
 * does not echo the request, so only the kernel's own bytes come back). */
struct nl_raw {
	int fd;
	uint32_t seq;
};

/* Returns 0 or a negative errno. */
int nl_raw_open(struct nl_raw *nl);
void nl_raw_close(struct nl_raw *nl);

/* Sends len bytes as they are. Returns 0 or a negative errno. */
int nl_raw_send(struct nl_raw *nl, const void *buf, size_t len);

/* Receives one datagram into buf (timeout_ms < 0: wait for ever).
 * Returns its length, 0 on timeout, or a negative errno. */
int nl_raw_recv(struct nl_raw *nl, void *buf, size_t len, int timeout_ms);

/* Resolves a generic netlink family's id by name over nlctrl. Returns the
 * id, or a negative errno (-ENOENT: no such family). */
int nl_raw_family(struct nl_raw *nl, const char *name);

/* Appends an attribute at *off in buf (capacity cap); returns false if it
 * does not fit. */
bool nl_raw_put(void *buf, size_t cap, size_t *off, uint16_t type,
		const void *data, size_t len);

/* Attribute stream walk: calls fn for each well-formed attribute of
 * [data, data + len) (fn may be NULL); returns false as soon as one is malformed (length
 * below the header or past the end) or fn returns false. */
bool nl_raw_walk(const void *data, size_t len,
		 bool (*fn)(uint16_t type, const void *payload, size_t plen,
			    void *arg),
		 void *arg);

/* Looks for anything shaped like a kernel address in buf: a 64-bit
 * little-endian value at a 4-byte aligned offset in the canonical upper
 * half (0xffff8000_00000000 and above, short of the -4095..-1 range that
 * U64_MAX policy bounds and error codes live in), or a hex string of 16
 * digits starting with ffff8-ffff in text. Returns the offset of the first
 * hit, or -1. */
long nl_raw_find_kernel_address(const void *buf, size_t len);

/* The same over an attribute stream: every attribute's payload as a value
 * (so the u32 fields of headers never pair up into false alarms), nests
 * looked into. Returns the offset of the first hit in attrs, or -1. */
long nl_raw_scan_attrs(const void *attrs, size_t len);

/* Simple RODP queries the lifecycle and fuzz tests need. */
int nl_raw_rodp_global_stat(struct nl_raw *nl, int family, uint16_t stat,
			    uint64_t *value);
/* The same counter summed over process tgid's regions. */
int nl_raw_rodp_proc_stat(struct nl_raw *nl, int family, uint32_t tgid,
			  uint16_t stat, uint64_t *value);
/* First region id of process tgid (0 for none); negative errno on error. */
int nl_raw_rodp_first_region(struct nl_raw *nl, int family, uint32_t tgid,
			     uint64_t *id);
/* POLICY_SET of the global policy or (RODP_POLICY_SCOPE_PROCESS) the
 * caller's own; 0 or the negative errno the kernel answered. */
int nl_raw_rodp_set_policy(struct nl_raw *nl, int family, uint32_t scope,
			   uint32_t policy);
/* The same for process pid (RODP_A_PID; 0 leaves it out: the caller). */
int nl_raw_rodp_set_policy_of(struct nl_raw *nl, int family, uint32_t scope,
			      uint32_t pid, uint32_t policy);
/* POLICY_GET: the global policy, or (RODP_POLICY_SCOPE_PROCESS) that of
 * process pid (0: the caller), RODP_POLICY_DEFAULT when it has none of its
 * own; 0 or the negative errno (-ENODATA: a reply without a policy). */
int nl_raw_rodp_get_policy(struct nl_raw *nl, int family, uint32_t scope,
			   uint32_t pid, uint32_t *policy);

/* A request naming one region by id (RODP_CMD_REGION_GET,
 * RODP_CMD_PREFETCH of all of it); 0 or the negative errno the kernel
 * answered. */
int nl_raw_rodp_region_cmd(struct nl_raw *nl, int family, uint8_t cmd,
			   uint64_t id);

#endif /* RODP_TESTS_NL_RAW_H */
