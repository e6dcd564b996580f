/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The container's network namespace, made ahead of the clone.
 *
 * Creating a network namespace is the dearest part of the clone (about
 * 0.6 ms of kernel work here: per-net sysctls, lo, ...). For a container
 * whose netns belongs to the host's user namespace (a privileged one, with
 * an lxc.net.0.type other than none), a thread of the monitor makes it with
 * unshare(CLONE_NEWNET) while the monitor itself reads the config, makes the
 * console and the cgroup. The clone then leaves CLONE_NEWNET out and the
 * child joins that namespace first thing (setns). lo is brought up by the
 * monitor after the clone, while the child mounts, through a socket made
 * in the netns (netns_lo): an ioctl on a socket acts in the socket's netns.
 * unshare() in a thread changes that thread only; the namespace lives on
 * through the fd once the thread has gone.
 *
 * When cove-start forked the monitor, cove-start makes the netns instead
 * (cove_netns_offer): from the fork on it only waits for RUNNING, on a CPU
 * of its own, and it can begin before the monitor has even read the config
 * (it reads it too, on that CPU). It sends the netns fd on a socket pair
 * the monitor reads at the clone (netns_chan).
 *
 * A container with a user namespace keeps CLONE_NEWNET in its clone: its
 * netns must be owned by its own user namespace, or its root could not
 * configure its interfaces.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "start.h"

LOG_MODULE("start");

int cove_lo_up_with(int sock)
{
	struct ifreq ifr = { .ifr_name = "lo" };

	if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0)
		return -errno;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(sock, SIOCSIFFLAGS, &ifr) < 0)
		return -errno;
	return 0;
}

int cove_lo_up(void)
{
	_cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	return fd < 0 ? -errno : cove_lo_up_with(fd);
}

bool cove_netns_ahead(const struct cove_conf *c)
{
	if (cove_conf_is_unprivileged(c))
		return false;
	for (size_t i = 0; i < c->n_nets; i++)
		if (c->nets[i].type == COVE_NET_NONE)
			return false;
	return true;
}

void cove_netns_offer(const char *config_path, char *const *defines, int chan)
{
	_cleanup_(cove_conf_freep) struct cove_conf *c = cove_conf_new();
	int fds[2] = { -EBADF, -EBADF };
	char x = 'n';

	if (cove_conf_load(c, config_path, NULL) < 0 || cove_conf_set_defines(c, defines, NULL) < 0 ||
	    !cove_netns_ahead(c) || unshare(CLONE_NEWNET) < 0)
		return;
	/* the netns, and a socket in it by which the monitor brings lo up after the clone */
	fds[0] = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	fds[1] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fds[0] >= 0 && fds[1] >= 0)
		(void)send_fds(chan, &x, 1, fds, 2);
	safe_close(fds[0]);
	safe_close(fds[1]);
}

static void netns_make(struct cove_run *run)
{
	int fd;

	if (unshare(CLONE_NEWNET) < 0) {
		run->netns_err = -errno;
		return;
	}
	fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		run->netns_err = -errno;
		return;
	}
	run->netns_lo = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (run->netns_lo < 0) {
		run->netns_err = -errno;
		safe_close(fd);
		return;
	}
	run->netns_fd = fd;
}

static void *netns_thread(void *p)
{
	struct cove_run *run = p;

	netns_make(run);
	__atomic_store_n(&run->netns_done, true, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * The CPUs we may run on but the one we are on. A new thread (or a fork)
 * is queued behind its creator on this CPU while the other one idles (this
 * VM's scheduler does not pull it over before a tick), so the netns would
 * be made only when the monitor waits for it: the thread asks for another
 * CPU (and cove-start puts its forked monitor on another one).
 */
static bool other_cpus(cpu_set_t *set)
{
	int cpu = sched_getcpu();

	if (cpu < 0 || sched_getaffinity(0, sizeof(*set), set) < 0 || cpu >= CPU_SETSIZE)
		return false;
	CPU_CLR(cpu, set);
	return CPU_COUNT(set) > 0;
}

static cpu_set_t fork_cpus; /* the affinity of cove-start, which the forked monitor puts back */
static bool fork_cpus_saved;

/* Before the fork: the child's copy of fork_cpus is what it puts back. */
void cove_netns_fork_prepare(void)
{
	fork_cpus_saved = sched_getaffinity(0, sizeof(fork_cpus), &fork_cpus) == 0;
}

/*
 * Right after the fork, in cove-start: the child has not run yet, so moving
 * it is only a change of run queue (once it runs, moving it costs a stop of
 * its CPU).
 */
void cove_netns_fork_place(pid_t child)
{
	cpu_set_t other;

	if (other_cpus(&other))
		(void)sched_setaffinity(child, sizeof(other), &other);
}

void cove_run_netns_chan_close(struct cove_run *run)
{
	run->netns_chan = safe_close(run->netns_chan);
	if (fork_cpus_saved) /* before the clone: init would inherit it */
		(void)sched_setaffinity(0, sizeof(fork_cpus), &fork_cpus);
	fork_cpus_saved = false;
}

void cove_run_netns_begin(struct cove_run *run)
{
	pthread_attr_t attr;
	cpu_set_t cpus;
	int r;

	if (run->netns_chan >= 0 && !cove_netns_ahead(run->conf))
		cove_run_netns_chan_close(run);
	if (run->netns_chan >= 0 || run->netns_busy || run->netns_fd >= 0 ||
	    !cove_netns_ahead(run->conf))
		return;
	run->netns_err = 0;
	run->netns_done = false;
	if (pthread_attr_init(&attr) != 0)
		return;
	(void)pthread_attr_setstacksize(&attr, 64 * 1024);
	if (other_cpus(&cpus))
		(void)pthread_attr_setaffinity_np(&attr, sizeof(cpus), &cpus);
	r = pthread_create(&run->netns_thread, &attr, netns_thread, run);
	pthread_attr_destroy(&attr);
	if (r != 0) {
		log_debug("Failed to start the netns thread: %s; the clone makes the netns",
			  strerror(r));
		return;
	}
	run->netns_busy = true;
}

bool cove_run_netns_ready(struct cove_run *run)
{
	struct pollfd p = { .fd = run->netns_chan, .events = POLLIN };

	if (run->netns_chan >= 0)
		return poll(&p, 1, 0) != 0;
	return !run->netns_busy || __atomic_load_n(&run->netns_done, __ATOMIC_ACQUIRE);
}

/* The netns cove-start made (cove_netns_offer), or none: EOF. */
static int netns_receive(struct cove_run *run)
{
	int fds[2];
	char x;

	if (recv_fds(run->netns_chan, &x, 1, fds, 2) == 1 && fds[0] >= 0 && fds[1] >= 0) {
		run->netns_fd = fds[0];
		run->netns_lo = fds[1];
	} else {
		safe_close(fds[0]);
		safe_close(fds[1]);
		log_debug("cove-start made no netns ahead; the clone makes it");
	}
	cove_run_netns_chan_close(run);
	return run->netns_fd;
}

int cove_run_netns_end(struct cove_run *run)
{
	if (run->netns_chan >= 0)
		return netns_receive(run);
	if (!run->netns_busy)
		return run->netns_fd;
	(void)pthread_join(run->netns_thread, NULL);
	run->netns_busy = false;
	if (run->netns_err < 0)
		log_debug("Failed to make the netns ahead: %s; the clone makes it",
			  strerror(-run->netns_err));
	return run->netns_fd;
}
