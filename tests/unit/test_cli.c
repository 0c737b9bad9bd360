// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The rodp CLI (tools/cli) without a kernel: its command line is parsed
 * whole and never opens rodp.ko (-p does not imply JSON, -d is details,
 * usage errors are CLI_USAGE), and its two outputs agree: every key has
 * the same value in the text line as in the JSON document (numbers in
 * decimal, addresses as "0x..." strings), -p wraps text without changing
 * it, and JSON documents are one per line unless -p indents a single one.
 * rodp monitor's reading of a datagram goes through librodp's checked
 * parser: crafted notifications print as the events they are, a message
 * the attribute policy rejects is skipped, filters and -c apply.
 */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <netlink/genl/genl.h>

#include <linux/rodp.h>

#include "../cunit_run.h"
#include "../../tools/cli/cli.h"
#include "../../tools/common/module_state.h"

/* Parses a command line given as one string of words (c->argv points
 * into it until the next call). */
static int parse_line(struct cli *c, const char *line)
{
	static char buf[512], *argv[32];
	char *tok;
	int argc = 0;

	memset(c, 0, sizeof(*c));
	snprintf(buf, sizeof(buf), "rodp %s", line);
	for (tok = strtok(buf, " "); tok && argc < 31; tok = strtok(NULL, " "))
		argv[argc++] = tok;
	argv[argc] = NULL;
	return cli_parse(c, argc, argv);
}

static void test_pretty_is_not_json(void)
{
	struct cli c;

	CU_ASSERT_EQUAL(parse_line(&c, "-p stat"), 0);
	CU_ASSERT_TRUE(c.pretty);
	CU_ASSERT_FALSE(c.json);
	CU_ASSERT_EQUAL(parse_line(&c, "-j -p stat"), 0);
	CU_ASSERT_TRUE(c.pretty && c.json);
	CU_ASSERT_EQUAL(parse_line(&c, "-j stat"), 0);
	CU_ASSERT_FALSE(c.pretty);
}

static void test_details_and_dev_key(void)
{
	struct cli c;

	CU_ASSERT_EQUAL(parse_line(&c, "-d mr show dev rxe0 pid 12"), 0);
	CU_ASSERT_TRUE(c.details);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c.dev);
	CU_ASSERT_STRING_EQUAL(c.dev, "rxe0");
	CU_ASSERT_EQUAL(c.pid, 12);
	CU_ASSERT_PTR_NOT_NULL(c.once);
	CU_ASSERT_EQUAL(parse_line(&c, "stat mr show id 0x10"), 0);
	CU_ASSERT_EQUAL(parse_line(&c, "stat show mr fault-pages 0"), 0);
	CU_ASSERT_EQUAL(parse_line(&c, "stat dev rxe0"), 0);
	CU_ASSERT_STRING_EQUAL(c.dev, "rxe0");
}

/* Usage errors are found by parsing alone: no context is ever opened. */
static void test_usage_errors(void)
{
	static const char *const bad[] = {
		"", "frobnicate", "-d rxe0 mr show", "-drxe0 stat",
		"--dev rxe0 mr", "mr show colour blue", "mr frob",
		"mr show pid", "mr show id abc", "mr show pid 0",
		"mr show pid 1 pid 2", "stat show id 3", "stat dev",
		"stat mr colour blue", "policy set fast", "policy set default",
		"policy set", "policy show id 3", "monitor colour blue",
		"-i 1 policy show", "-i 1 monitor", "-c 3 stat", "-i 0 stat",
		"-i x stat", "-c 0 -i 1 stat", "-j -p -i 1 stat",
		"-j -p monitor", "-x stat",
	};
	FILE *saved = stderr;
	struct cli c;
	size_t i;

	stderr = fopen("/dev/null", "w");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret = parse_line(&c, bad[i]);

		if (ret != CLI_USAGE)
			fprintf(saved, "'%s' gave %d, want usage\n", bad[i], ret);
		CU_ASSERT_EQUAL(ret, CLI_USAGE);
		CU_ASSERT_PTR_NULL(c.ctx);
	}
	fclose(stderr);
	stderr = saved;
}

static void test_help_is_done(void)
{
	FILE *saved = stdout;
	struct cli c;

	stdout = fopen("/dev/null", "w");
	CU_ASSERT_EQUAL(parse_line(&c, "mr help"), CLI_DONE);
	CU_ASSERT_EQUAL(parse_line(&c, "stat help"), CLI_DONE);
	CU_ASSERT_EQUAL(parse_line(&c, "stat mr help"), CLI_DONE);
	CU_ASSERT_EQUAL(parse_line(&c, "help policy"), CLI_DONE);
	CU_ASSERT_EQUAL(parse_line(&c, "--help"), CLI_DONE);
	fclose(stdout);
	stdout = saved;
}

/* The fields of one region-like object, with edge values. */
static const struct kv sample[] = {
	{ "id", KV_U64, 0, NULL },
	{ "pid", KV_U64, 4242, NULL },
	{ "dev", KV_STR, 0, "rxe0" },
	{ "addr", KV_HEX, 0x7f12345000ULL, NULL },
	{ "length", KV_U64, UINT64_MAX, NULL },
	{ "lkey", KV_HEX, 0, NULL },
	{ "access", KV_HEX, 0x10f, NULL },
	{ "state", KV_STR, 0, "live" },
	{ "fault-pages", KV_U64, 1ULL << 53 | 1, NULL },	/* not a double */
};
#define NSAMPLE ((int)(sizeof(sample) / sizeof(sample[0])))

/* Renders the sample n times as -j (json) and -p (pretty) ask. */
static char *render(bool json, bool pretty, int docs)
{
	struct cli c = { .json = json, .pretty = pretty };
	char *buf = NULL;
	size_t size;
	int i;

	c.out = open_memstream(&buf, &size);
	for (i = 0; i < docs; i++) {
		out_begin(&c);
		out_object(&c, sample, NSAMPLE);
		out_end(&c);
	}
	fclose(c.out);
	return buf;
}

static void test_text_and_json_agree(void)
{
	char *text = render(false, false, 1), *js = render(true, false, 1);
	struct json_object *doc = json_tokener_parse(js), *obj, *v;
	char *save = NULL, *key, *val, buf[32];
	int i = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	CU_ASSERT_TRUE_FATAL(json_object_is_type(doc, json_type_array));
	CU_ASSERT_EQUAL_FATAL(json_object_array_length(doc), 1);
	obj = json_object_array_get_idx(doc, 0);
	text[strcspn(text, "\n")] = '\0';
	for (key = strtok_r(text, " ", &save); key;
	     key = strtok_r(NULL, " ", &save), i++) {
		val = strtok_r(NULL, " ", &save);
		CU_ASSERT_PTR_NOT_NULL_FATAL(val);
		CU_ASSERT_STRING_EQUAL(key, sample[i].key);
		CU_ASSERT_STRING_EQUAL(val, kv_value_str(&sample[i], buf,
							  sizeof(buf)));
		CU_ASSERT_TRUE_FATAL(json_object_object_get_ex(obj, key, &v));
		if (sample[i].type == KV_U64) {
			/* A JSON number with the text's digits. */
			CU_ASSERT_TRUE(json_object_is_type(v, json_type_int));
			CU_ASSERT_EQUAL(json_object_get_uint64(v), sample[i].u);
			CU_ASSERT_STRING_EQUAL(json_object_to_json_string(v), val);
		} else {
			/* Strings, "0x..." addresses too: the same text. */
			CU_ASSERT_TRUE(json_object_is_type(v, json_type_string));
			CU_ASSERT_STRING_EQUAL(json_object_get_string(v), val);
		}
	}
	CU_ASSERT_EQUAL(i, NSAMPLE);
	CU_ASSERT_EQUAL(json_object_object_length(obj), NSAMPLE);
	CU_ASSERT_STRING_EQUAL(kv_value_str(&sample[3], buf, sizeof(buf)),
			       "0x7f12345000");
	json_object_put(doc);
	free(text);
	free(js);
}

/* -p without -j: the same pairs, wrapped at 80 columns, continuation
 * lines indented. */
static void test_pretty_text_wraps(void)
{
	char *plain = render(false, false, 1), *pretty = render(false, true, 1);
	char joined[1024] = "", *line, *save = NULL;
	int lines = 0;

	for (line = strtok_r(pretty, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), lines++) {
		CU_ASSERT(strlen(line) <= 80);
		if (lines) {
			CU_ASSERT_NSTRING_EQUAL(line, "    ", 4);
			CU_ASSERT_NOT_EQUAL(line[4], ' ');
			strcat(joined, " ");
			line += 4;
		}
		CU_ASSERT_NOT_EQUAL(line[0], '[');
		CU_ASSERT_NOT_EQUAL(line[0], '{');
		strcat(joined, line);
	}
	CU_ASSERT(lines >= 2);
	plain[strcspn(plain, "\n")] = '\0';
	CU_ASSERT_STRING_EQUAL(joined, plain);
	free(plain);
	free(pretty);
}

/* -j: every document is one line (what -i and monitor stream); -j -p
 * indents. */
static void test_json_lines(void)
{
	char *js = render(true, false, 3), *pretty = render(true, true, 1);
	char *line, *save = NULL;
	struct json_object *doc;
	int lines = 0;

	for (line = strtok_r(js, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), lines++) {
		doc = json_tokener_parse(line);
		CU_ASSERT_PTR_NOT_NULL(doc);
		CU_ASSERT_TRUE(json_object_is_type(doc, json_type_array));
		json_object_put(doc);
	}
	CU_ASSERT_EQUAL(lines, 3);
	CU_ASSERT_PTR_NOT_NULL(strstr(pretty, "\n    \"pid\": 4242"));
	doc = json_tokener_parse(pretty);
	CU_ASSERT_PTR_NOT_NULL(doc);
	json_object_put(doc);
	free(js);
	free(pretty);
}

/* A retried dump drops what the interrupted one collected. */
static void test_discard(void)
{
	struct cli c = { .json = true };
	struct json_object *doc;
	char *buf = NULL;
	size_t size;

	c.out = open_memstream(&buf, &size);
	out_begin(&c);
	out_object(&c, sample, NSAMPLE);
	out_discard(&c);
	out_object(&c, sample, 2);
	out_end(&c);
	fclose(c.out);
	doc = json_tokener_parse(buf);
	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	CU_ASSERT_EQUAL(json_object_array_length(doc), 1);
	CU_ASSERT_EQUAL(json_object_object_length(
		json_object_array_get_idx(doc, 0)), 2);
	json_object_put(doc);
	free(buf);
}

#define FAMILY	0x21

/* Appends one region notification to buf at *off, as rodp.ko builds it
 * (bad_addr: RODP_A_ADDR as a u8, which the policy must reject). */
static void put_event(char *buf, size_t *off, int family, int cmd,
		      uint64_t id, const char *dev, int bad_addr)
{
	struct nl_msg *m = nlmsg_alloc();
	struct nlattr *ranges, *one;
	size_t len;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_PTR_NOT_NULL_FATAL(genlmsg_put(m, 0, 0, family, 0, 0, cmd, 1));
	nla_put_u64(m, RODP_A_REGION_ID, id);
	nla_put_u32(m, RODP_A_PID, 99);
	if (bad_addr)
		nla_put_u8(m, RODP_A_ADDR, 1);
	else
		nla_put_u64(m, RODP_A_ADDR, 0x7f0000001000ULL);
	nla_put_u64(m, RODP_A_LENGTH, 0x4000);
	nla_put_string(m, RODP_A_DEVICE, dev);
	nla_put_u32(m, RODP_A_LKEY, 0xabc);
	nla_put_u32(m, RODP_A_REGION_STATE, cmd == RODP_CMD_REGION_DEAD_NTF ?
		    RODP_REGION_DEAD : RODP_REGION_LIVE);
	ranges = nla_nest_start(m, RODP_A_REGION_RANGES);
	if (cmd == RODP_CMD_REGION_SHRUNK_NTF) {
		one = nla_nest_start(m, RODP_A_RANGE);
		nla_put_u64(m, RODP_RANGE_START, 0x7f0000001000ULL);
		nla_put_u64(m, RODP_RANGE_LENGTH, 0x2000);
		nla_nest_end(m, one);
	}
	nla_nest_end(m, ranges);
	len = NLMSG_ALIGN(nlmsg_hdr(m)->nlmsg_len);
	memcpy(buf + *off, nlmsg_hdr(m), len);
	*off += len;
	nlmsg_free(m);
}

/* Feeds buf to monitor_datagram() under the command line; returns its
 * count, *out what it printed (free it). */
static unsigned long monitor_feed(const char *line, const char *buf,
				  size_t len, unsigned long max, char **out)
{
	FILE *saved = stderr;
	unsigned long n;
	struct cli c;
	size_t size;

	CU_ASSERT_EQUAL_FATAL(parse_line(&c, line), 0);
	*out = NULL;
	c.out = open_memstream(out, &size);
	stderr = fopen("/dev/null", "w");
	n = monitor_datagram(&c, buf, len, FAMILY, max);
	fclose(stderr);
	stderr = saved;
	fclose(c.out);
	return n;
}

/* Each state of a missing rodp.ko has its own reason and remedy. */
static void test_module_reasons(void)
{
	struct tool_module_state st = { .kernel = "7.2.13+deb14-amd64" };
	char buf[1024];

	st.loaded = true;
	CU_ASSERT_STRING_EQUAL(tool_module_reason(&st, buf, sizeof(buf)),
		"rodp.ko is loaded but does not answer in this network namespace");
	st.loaded = false;
	CU_ASSERT_STRING_EQUAL(tool_module_reason(&st, buf, sizeof(buf)),
		"rodp.ko is not installed for kernel 7.2.13+deb14-amd64 (install rodp-dkms, or make -C kernel install)");
	snprintf(st.path, sizeof(st.path), "/lib/modules/k/updates/rodp.ko");
	st.sig = TOOL_NO;
	st.enforce = TOOL_NO;
	CU_ASSERT_STRING_EQUAL(tool_module_reason(&st, buf, sizeof(buf)),
		"rodp.ko is not loaded (modprobe rodp)");
	st.enforce = TOOL_UNKNOWN;
	CU_ASSERT_STRING_EQUAL(tool_module_reason(&st, buf, sizeof(buf)),
		"rodp.ko is not loaded (modprobe rodp)");
	st.enforce = TOOL_YES;
	CU_ASSERT_PTR_NOT_NULL(strstr(tool_module_reason(&st, buf, sizeof(buf)),
		"rodp.ko (/lib/modules/k/updates/rodp.ko) is unsigned and this kernel loads signed modules only"));
	st.sig = TOOL_YES;
	CU_ASSERT_PTR_NOT_NULL(strstr(tool_module_reason(&st, buf, sizeof(buf)),
		"Key was rejected by service"));
	st.sig = TOOL_UNKNOWN;
	CU_ASSERT_PTR_NOT_NULL(strstr(tool_module_reason(&st, buf, sizeof(buf)),
		"rodp.ko is not loaded (modprobe rodp); this kernel loads signed modules only"));
	CU_ASSERT_STRING_EQUAL(tool_tristate_name(TOOL_YES), "yes");
	CU_ASSERT_STRING_EQUAL(tool_tristate_name(TOOL_NO), "no");
	CU_ASSERT_STRING_EQUAL(tool_tristate_name(TOOL_UNKNOWN), "unknown");
}

static void test_monitor_datagram(void)
{
	static const char shrunk[] = "event shrunk id 1 pid 99 dev rxe0 "
		"addr 0x7f0000001000 length 16384 lkey 0xabc state live "
		"ranges 1 live-bytes 8192\n";
	static const char dead[] = "event dead id 2 pid 99 dev rxe1 "
		"addr 0x7f0000001000 length 16384 lkey 0xabc state dead "
		"ranges 0 live-bytes 0\n";
	static char buf[8192];
	char want[512], *out;
	size_t len = 0;

	/* A malformed event, another family's message, then two events. */
	put_event(buf, &len, FAMILY, RODP_CMD_REGION_DEAD_NTF, 9, "rxe9", 1);
	put_event(buf, &len, FAMILY + 1, RODP_CMD_REGION_DEAD_NTF, 8, "rxe8", 0);
	put_event(buf, &len, FAMILY, RODP_CMD_REGION_SHRUNK_NTF, 1, "rxe0", 0);
	put_event(buf, &len, FAMILY, RODP_CMD_REGION_DEAD_NTF, 2, "rxe1", 0);

	CU_ASSERT_EQUAL(monitor_feed("monitor", buf, len, 0, &out), 2);
	snprintf(want, sizeof(want), "%s%s", shrunk, dead);
	CU_ASSERT_STRING_EQUAL(out, want);
	free(out);
	CU_ASSERT_EQUAL(monitor_feed("monitor event dead", buf, len, 0, &out), 1);
	CU_ASSERT_STRING_EQUAL(out, dead);
	free(out);
	CU_ASSERT_EQUAL(monitor_feed("monitor dev rxe0", buf, len, 0, &out), 1);
	CU_ASSERT_STRING_EQUAL(out, shrunk);
	free(out);
	/* -c: no more than asked, even from one datagram */
	CU_ASSERT_EQUAL(monitor_feed("-c 1 monitor", buf, len, 1, &out), 1);
	CU_ASSERT_STRING_EQUAL(out, shrunk);
	free(out);
	/* -j: one document a line */
	CU_ASSERT_EQUAL(monitor_feed("-j monitor", buf, len, 0, &out), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "[ { \"event\": \"dead\", \"id\": 2,"));
	CU_ASSERT_EQUAL(strchr(strchr(out, '\n') + 1, '\n')[1], '\0');
	free(out);
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_pretty_is_not_json),
		RODP_TEST(test_details_and_dev_key),
		RODP_TEST(test_usage_errors),
		RODP_TEST(test_help_is_done),
		RODP_TEST(test_text_and_json_agree),
		RODP_TEST(test_pretty_text_wraps),
		RODP_TEST(test_json_lines),
		RODP_TEST(test_discard),
		RODP_TEST(test_monitor_datagram),
		RODP_TEST(test_module_reasons),
	};

	return rodp_cunit_run("cli", NULL, NULL, tests,
			      sizeof(tests) / sizeof(tests[0]));
}
