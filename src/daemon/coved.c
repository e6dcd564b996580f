/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * coved: the daemon speaking LXD's REST API on COVE_DIR/unix.socket.
 *
 *   coved [--group GROUP] [--debug]   serve (state in $COVE_DIR, default /var/lib/cove)
 *   coved init --auto                 dir storage pool "default", root disk in the default profile
 *   coved waitready [--timeout N]     wait until the daemon answers
 *   coved shutdown [--timeout N]      stop the instances cleanly, then the daemon
 *
 * Containers run under their own cove-monitor processes: stopping or
 * killing the daemon leaves them running, and the next daemon finds them
 * through their monitors.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "cove/container.h"
#include "daemon.h"
#include "db/db.h"
#include "fileio.h"
#include "images/image.h"
#include "instances/instance.h"
#include "instances/instance-lifecycle.h"
#include "proxy/proxy.h"
#include "init.h"
#include "log.h"
#include "server.h"
#include "instances/instance-snapshot.h"
#include "shutdown.h"
#include "strutil.h"
#include "strv.h"
#include "networks/network.h"

LOG_MODULE("coved");

static const char *arg_group;

static int setup_dirs(struct cove_error *err)
{
	const char *e = getenv("COVE_DIR");
	const struct {
		char **path;
		const char *sub;
		mode_t mode;
	} dirs[] = {
		{ &the_daemon->dir, NULL, 0711 },
		{ &the_daemon->lxcpath, "containers", 0711 },
		{ &the_daemon->images_dir, "images", 0700 },
	};

	if (!isempty(e) && e[0] != '/')
		return cove_err(err, -EINVAL, "COVE_DIR must be an absolute path: '%s'", e);
	for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
		const char *top = isempty(e) ? COVED_DEFAULT_DIR : e;
		char *p = dirs[i].sub ? path_join(top, dirs[i].sub) : xstrdup(top);
		int r = mkdir_p(p, dirs[i].mode);

		if (r < 0 && r != -EEXIST) {
			free(p);
			return cove_err(err, r, "Failed to create '%s': %s", top, strerror(-r));
		}
		*dirs[i].path = p;
	}
	the_daemon->socket_path = path_join(the_daemon->dir, "unix.socket");
	return 0;
}

static int open_db(struct cove_error *err)
{
	_cleanup_free_ char *dbdir = path_join(the_daemon->dir, "database");
	_cleanup_free_ char *path = path_join(dbdir, "local.db");
	struct db_profile def = { .name = (char *)"default",
				  .description = (char *)"Default LXD profile" };
	struct db_profile existing = { 0 };
	int r;

	r = mkdir_p(dbdir, 0700);
	if (r < 0 && r != -EEXIST)
		return cove_err(err, r, "Failed to create '%s': %s", dbdir, strerror(-r));
	r = db_open(path, &the_daemon->db, err);
	if (r < 0)
		return r;
	if (db_profile_get(the_daemon->db, "default", &existing, NULL) == 0) {
		db_profile_clear(&existing);
		return 0;
	}
	def.config = json_object();
	def.devices = json_object();
	r = db_profile_put(the_daemon->db, &def, err);
	json_decref(def.config);
	json_decref(def.devices);
	return r;
}

/* Say which containers kept running while no daemon was there. */
static void find_running(void)
{
	_cleanup_strv_free_ char **names = NULL;

	(void)db_instance_names(the_daemon->db, &names, NULL);
	STRV_FOREACH(n, names) {
		_cleanup_(cove_container_freep) struct cove_container *ct = NULL;
		struct cove_status st = { 0 };

		if (cove_container_new(the_daemon->lxcpath, *n, &ct, NULL) < 0 ||
		    cove_container_status(ct, &st, NULL, NULL) < 0)
			continue;
		if (st.state == COVE_STATE_RUNNING)
			log_info("Instance '%s' is running (init PID %d)", *n, (int)st.init_pid);
	}
}

static void on_signal(uv_signal_t *s, int signo)
{
	log_info("Received signal %d, exiting (instances keep running)", signo);
	the_daemon->shutting_down = true;
	uv_stop(s->loop);
}

/* SIGPWR (coved shutdown): stop the instances, remembering which ran, then exit */
static void on_sigpwr(uv_signal_t *s, int signo)
{
	log_info("Received signal %d, stopping the instances, then exiting", signo);
	the_daemon->shutting_down = true;
	daemon_shutdown_instances();
	uv_stop(s->loop);
}

static int serve(void)
{
	struct cove_error err = { 0 };
	uv_signal_t sigterm, sigint, sigpwr;
	int r;

	signal(SIGPIPE, SIG_IGN);
	r = setup_dirs(&err);
	if (r >= 0)
		r = open_db(&err);
	if (r < 0)
		return log_error_errno(r, "Failed to start: %s", err.msg);
	the_daemon->loop = uv_default_loop();
	r = server_start(the_daemon->socket_path, arg_group);
	if (r < 0)
		return r;
	image_store_cleanup(the_daemon->images_dir);
	snapshot_store_cleanup();
	networks_restore(); /* bridges outlive coved: bring back what is missing */
	find_running();
	instances_watch_all();
	proxies_restore(); /* proxy processes outlive coved too: start the missing ones */
	instances_autostart();
	snapshot_scheduler_start();
	uv_signal_init(the_daemon->loop, &sigterm);
	uv_signal_start(&sigterm, on_signal, SIGTERM);
	uv_signal_init(the_daemon->loop, &sigint);
	uv_signal_start(&sigint, on_signal, SIGINT);
	uv_signal_init(the_daemon->loop, &sigpwr);
	uv_signal_start(&sigpwr, on_sigpwr, SIGPWR);
	log_info("Listening on '%s'", the_daemon->socket_path);
	uv_run(the_daemon->loop, UV_RUN_DEFAULT);
	server_stop();
	db_close(the_daemon->db);
	return 0;
}

static void help(void)
{
	printf("coved [--group GROUP] [--debug]\n"
	       "coved init --auto\n"
	       "coved waitready [--timeout SECONDS]\n"
	       "coved shutdown [--timeout SECONDS]\n"
	       "State directory: $COVE_DIR (default " COVED_DEFAULT_DIR ")\n");
}

int main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "group", required_argument, NULL, 'g' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int c;

	log_set_ident("coved");
	while ((c = getopt_long(argc, argv, "+g:dh", opts, NULL)) >= 0) {
		switch (c) {
		case 'g':
			arg_group = optarg;
			break;
		case 'd':
			log_set_max_level(LOG_DEBUG);
			break;
		case 'h':
			help();
			return 0;
		default:
			return 1;
		}
	}
	if (optind < argc)
		return coved_command(argc - optind, argv + optind) < 0 ? 1 : 0;
	return serve() < 0 ? 1 : 0;
}
