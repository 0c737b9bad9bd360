// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Programs that librodp-preload must not break (check-preload-programs
 * builds and runs them with and without LD_PRELOAD):
 *
 *   preload_probe vvar DEV   registers the vDSO's data pages ([vvar], a
 *                            VM_IO|VM_PFNMAP mapping) read-only and prints
 *                            "vvar: ok" or "vvar: errno N": the answer
 *                            must be the same with the interposer.
 *   preload_probe vvar-odp DEV  the same with IBV_ACCESS_ON_DEMAND (what
 *                            the interposer would have made of it).
 *   preload_probe retry DEV  registers 64 KiB of anonymous memory and
 *                            prints "retry: ok" or "retry: errno N"
 *                            (with preload_failodp.so after the
 *                            interposer, its ODP registration fails).
 *   preload_probe fork DEV N a thread registers and deregisters memory in
 *                            a loop while the main thread forks N
 *                            children; each child opens the device itself
 *                            and registers memory (through the
 *                            interposer's lock). Exit 0 when every child
 *                            did within 30 s; 1 otherwise.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include <infiniband/verbs.h>

static struct ibv_context *open_dev(const char *name)
{
	struct ibv_device **list = ibv_get_device_list(NULL);
	struct ibv_context *ctx = NULL;
	int i;

	for (i = 0; list && list[i]; i++)
		if (!strcmp(ibv_get_device_name(list[i]), name))
			ctx = ibv_open_device(list[i]);
	if (list)
		ibv_free_device_list(list);
	return ctx;
}

static int vvar(struct ibv_pd *pd, int access)
{
	unsigned long lo, hi;
	char line[512];
	FILE *maps = fopen("/proc/self/maps", "r");
	struct ibv_mr *mr;

	while (maps && fgets(line, sizeof(line), maps))
		if (strstr(line, "[vvar]") &&
		    sscanf(line, "%lx-%lx", &lo, &hi) == 2)
			break;
	if (!maps || !strstr(line, "[vvar]")) {
		printf("vvar: no [vvar] mapping\n");
		return 77;
	}
	fclose(maps);
	mr = ibv_reg_mr(pd, (void *)lo, 4096, access);
	if (mr) {
		printf("vvar: ok\n");
		ibv_dereg_mr(mr);
	} else {
		printf("vvar: errno %d\n", errno);
	}
	return 0;
}

static int retry(struct ibv_pd *pd)
{
	char *buf = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct ibv_mr *mr;

	if (buf == MAP_FAILED)
		return 1;
	mr = ibv_reg_mr(pd, buf, 1 << 16, IBV_ACCESS_LOCAL_WRITE |
			IBV_ACCESS_REMOTE_WRITE);
	if (mr) {
		printf("retry: ok\n");
		ibv_dereg_mr(mr);
	} else {
		printf("retry: errno %d\n", errno);
	}
	return 0;
}

static volatile int stop;

static void *churn(void *arg)
{
	struct ibv_pd *pd = arg;
	char *buf = malloc(1 << 16);

	while (!stop) {
		struct ibv_mr *mr = ibv_reg_mr(pd, buf, 1 << 16,
					       IBV_ACCESS_LOCAL_WRITE);

		if (mr)
			ibv_dereg_mr(mr);
	}
	free(buf);
	return NULL;
}

static int child(const char *dev)
{
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_mr *mr;
	char *buf;

	alarm(30);	/* a deadlock in the interposer kills the child */
	ctx = open_dev(dev);
	pd = ctx ? ibv_alloc_pd(ctx) : NULL;
	buf = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!pd || buf == MAP_FAILED)
		return 2;
	mr = ibv_reg_mr(pd, buf, 1 << 16, IBV_ACCESS_LOCAL_WRITE);
	if (!mr)
		return 3;
	memset(buf, 1, 1 << 16);
	return ibv_dereg_mr(mr) ? 4 : 0;
}

static int forks(struct ibv_pd *pd, const char *dev, int n)
{
	pthread_t t;
	int i, bad = 0, status;

	if (pthread_create(&t, NULL, churn, pd))
		return 1;
	for (i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(child(dev));
		if (pid < 0 || waitpid(pid, &status, 0) != pid ||
		    !WIFEXITED(status) || WEXITSTATUS(status)) {
			printf("fork %d: child %s %d\n", i,
			       WIFSIGNALED(status) ? "killed by signal" :
			       "exit", WIFSIGNALED(status) ?
			       WTERMSIG(status) : WEXITSTATUS(status));
			bad++;
		}
	}
	stop = 1;
	pthread_join(t, NULL);
	printf("fork: %d of %d children registered memory\n", n - bad, n);
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct ibv_context *ctx;
	struct ibv_pd *pd;

	if (argc < 3) {
		fprintf(stderr, "usage: preload_probe vvar|vvar-odp|retry|fork DEV [N]\n");
		return 2;
	}
	ctx = open_dev(argv[2]);
	pd = ctx ? ibv_alloc_pd(ctx) : NULL;
	if (!pd) {
		printf("no device %s\n", argv[2]);
		return 77;
	}
	if (!strcmp(argv[1], "vvar"))
		return vvar(pd, 0);
	if (!strcmp(argv[1], "vvar-odp"))
		return vvar(pd, IBV_ACCESS_ON_DEMAND);
	if (!strcmp(argv[1], "retry"))
		return retry(pd);
	if (!strcmp(argv[1], "fork"))
		return forks(pd, argv[2], argc > 3 ? atoi(argv[3]) : 100);
	return 2;
}
