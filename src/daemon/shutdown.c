/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `coved shutdown` (like `lxd shutdown`): the command finds the daemon's
 * PID through SO_PEERCRED on COVE_DIR/unix.socket and sends it SIGPWR (as
 * LXD does); the daemon records volatile.last_state.power=RUNNING on each
 * running instance, stops them cleanly (halt signal, SIGKILL after
 * boot.host_shutdown_timeout, default 30 s) and exits: as LXD, higher
 * boot.stop.priority first, the instances of one priority at once, each
 * group after the previous one has stopped. The next
 * daemon starts those instances again (instances_autostart). SIGTERM
 * still exits leaving the instances running.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "cove/container.h"
#include "daemon.h"
#include "db/db.h"
#include "instances/instance.h"
#include "log.h"
#include "shutdown.h"
#include "strutil.h"
#include "strv.h"
#include "util.h"

LOG_MODULE("coved-shutdown");

struct stop_job {
	char *name;
	int timeout;
	int priority; /* boot.stop.priority */
	pthread_t thread;
	bool started;
};

static void *stop_thread(void *userdata)
{
	struct stop_job *j = userdata;
	_cleanup_(cove_container_freep) struct cove_container *ct = NULL;
	struct cove_error err = { 0 };

	if (cove_container_new(the_daemon->lxcpath, j->name, &ct, &err) < 0 ||
	    cove_container_stop(ct, COVE_STOP_HALT, j->timeout, false, false, &err) < 0)
		log_warning("Failed to stop '%s' cleanly: %s", j->name, err.msg);
	return NULL;
}

/* record that NAME ran; returns its shutdown timeout, or -1 when it is not running */
static int mark_running(const char *name, int *ret_priority)
{
	_cleanup_(cove_container_freep) struct cove_container *ct = NULL;
	_cleanup_json_ json_t *config = NULL, *devices = NULL;
	struct cove_status st = { 0 };
	struct db_instance i = { 0 };
	int timeout = 30;

	if (cove_container_new(the_daemon->lxcpath, name, &ct, NULL) < 0 ||
	    cove_container_status(ct, &st, NULL, NULL) < 0 || st.state != COVE_STATE_RUNNING)
		return -1;
	if (db_instance_get(the_daemon->db, name, &i, NULL) < 0)
		return -1;
	(void)instance_expand(&i, &config, &devices, NULL);
	(void)safe_atoi(json_string_value(json_object_get(config, "boot.host_shutdown_timeout")) ?: "30",
			&timeout);
	*ret_priority = 0;
	(void)safe_atoi(json_string_value(json_object_get(config, "boot.stop.priority")) ?: "0",
			ret_priority);
	if (!json_is_object(i.config)) {
		json_decref(i.config);
		i.config = json_object();
	}
	json_object_set_new(i.config, INSTANCE_LAST_STATE_KEY, json_string("RUNNING"));
	if (db_instance_update(the_daemon->db, &i, NULL) < 0)
		log_warning("Failed to record that '%s' was running", name);
	db_instance_clear(&i);
	return timeout < 0 ? 30 : timeout;
}

/* Stop the jobs of one priority at once and wait for them. */
static void stop_group(struct stop_job *jobs, size_t n, int priority)
{
	for (size_t k = 0; k < n; k++) {
		if (!jobs[k].name || jobs[k].priority != priority)
			continue;
		log_info("Stopping instance '%s' (shutdown, priority %d)", jobs[k].name, priority);
		jobs[k].started = pthread_create(&jobs[k].thread, NULL, stop_thread, &jobs[k]) == 0;
		if (!jobs[k].started)
			stop_thread(&jobs[k]);
	}
	for (size_t k = 0; k < n; k++)
		if (jobs[k].name && jobs[k].priority == priority && jobs[k].started)
			pthread_join(jobs[k].thread, NULL);
}

void daemon_shutdown_instances(void)
{
	_cleanup_strv_free_ char **names = NULL;
	struct stop_job *jobs;
	size_t n;
	bool any = false;
	int prio = 0;

	(void)db_instance_names(the_daemon->db, &names, NULL);
	n = strv_length(names);
	jobs = xnew0(struct stop_job, n + 1);
	for (size_t k = 0; k < n; k++) {
		int p = 0, t = mark_running(names[k], &p);

		if (t < 0)
			continue;
		jobs[k].name = names[k];
		jobs[k].timeout = t;
		jobs[k].priority = p;
		if (!any || p > prio)
			prio = p;
		any = true;
	}
	/* from the highest priority down, each distinct value once */
	while (any) {
		int next = 0;

		stop_group(jobs, n, prio);
		any = false;
		for (size_t k = 0; k < n; k++) {
			if (jobs[k].name && jobs[k].priority < prio && (!any || jobs[k].priority > next)) {
				next = jobs[k].priority;
				any = true;
			}
		}
		prio = next;
	}
	free(jobs);
}

static int daemon_pid(const char *socket_path, pid_t *ret)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (fd < 0)
		return -errno;
	if (strlen(socket_path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, socket_path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -errno;
	*ret = cred.pid;
	return cred.pid > 0 ? 0 : -ESRCH;
}

int coved_shutdown_command(const char *socket_path, int timeout_s)
{
	struct timespec start, now;
	pid_t pid;
	int r;

	r = daemon_pid(socket_path, &pid);
	if (r < 0)
		return log_error_errno(r, "Failed to reach the daemon on '%s': %s", socket_path,
				       strerror(-r));
	if (kill(pid, SIGPWR) < 0)
		return log_error_errno(-errno, "Failed to signal the daemon (PID %d): %m", (int)pid);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		pid_t p;

		/* gone once nobody answers on the socket any more */
		if (daemon_pid(socket_path, &p) < 0 || p != pid)
			if (kill(pid, 0) < 0 && errno == ESRCH)
				return 0;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (timeout_s > 0 && now.tv_sec - start.tv_sec >= timeout_s)
			return log_error_errno(-ETIMEDOUT, "Daemon still running after %ds timeout",
					       timeout_s);
		usleep(50 * 1000);
	}
}
