/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove init / cove launch IMAGE [NAME] [-p PROFILE]... [-c key=value]...
 * [-e] [-s POOL] [-n NETWORK] [--empty] [--no-profiles]: the requests of
 * `lxc init/launch`: GET /1.0/images/aliases/<image> (else the image is a
 * fingerprint), GET /1.0/images/<fp>, POST /1.0/instances (wait), and for
 * launch GET the instance and PUT .../state {"action":"start"} (wait).
 * Only local images: there are no image remotes ("images:", "ubuntu:").
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "api.h"
#include "client.h"
#include "client-internal.h"
#include "remote-copy.h"
#include "remote.h"
#include "http.h"
#include "strutil.h"
#include "strv.h"

void launch_args_done(struct launch_args *a)
{
	strv_free(a->profiles);
	json_decref(a->config);
	json_decref(a->devices);
	*a = (struct launch_args){};
}

static int add_config(struct launch_args *a, const char *kv, struct cove_error *err)
{
	_cleanup_free_ char *k = NULL, *v = NULL;

	if (client_split_kv(kv, &k, &v) < 0)
		return cove_err(err, -EINVAL, "Bad key=value pair: %s", kv);
	json_object_set_new(a->config, k, json_string(v));
	return 0;
}

/* -s POOL and -n NETWORK become root and eth0 devices, as lxc does. */
static void add_device(struct launch_args *a, const char *dev, const char *key, const char *value)
{
	json_t *d = json_pack("{ss}", "type", streq(dev, "root") ? "disk" : "nic");

	if (streq(dev, "root"))
		json_object_set_new(d, "path", json_string("/"));
	else
		json_object_set_new(d, "name", json_string("eth0"));
	json_object_set_new(d, key, json_string(value));
	json_object_set_new(a->devices, dev, d);
}

int launch_parse(int argc, char **argv, struct launch_args *a, struct cove_error *err)
{
	static const struct option opts[] = {
	    {"profile", required_argument, NULL, 'p'}, {"config", required_argument, NULL, 'c'},
	    {"ephemeral", no_argument, NULL, 'e'},     {"storage", required_argument, NULL, 's'},
	    {"network", required_argument, NULL, 'n'}, {"empty", no_argument, NULL, 'E'},
	    {"no-profiles", no_argument, NULL, 'P'},   {"type", required_argument, NULL, 't'},
	    {"target", required_argument, NULL, 'T'},  {"vm", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},	       {}};
	int r, min;

	*a = (struct launch_args){.config = json_object(), .devices = json_object()};
	client_opt_reset();
	while ((r = client_getopt(argc, argv, "p:c:es:n:t:h", opts, err)) != -1) {
		if (r < 0)
			return r;
		switch (r) {
		case 'p':
			strv_push_dup(&a->profiles, optarg);
			break;
		case 'c':
			r = add_config(a, optarg, err);
			if (r < 0)
				return r;
			break;
		case 'e':
			a->ephemeral = true;
			break;
		case 's':
			add_device(a, "root", "pool", optarg);
			break;
		case 'n':
			add_device(a, "eth0", "network", optarg);
			break;
		case 'E':
			a->empty = true;
			break;
		case 'P':
			a->no_profiles = true;
			break;
		case 'V':
			return cove_err(err, -EOPNOTSUPP, "Virtual machines are not supported");
		default:
			break;
		}
	}
	min = a->empty ? 0 : 1;
	r = client_check_args(argc - optind, min, min + 1,
			      "cove launch [<remote>:]<image> [<remote>:][<name>] [flags]", err);
	if (r != 0)
		return r;
	if (!a->empty) {
		r = client_local_name(argv[optind++], &a->image, NULL);
		if (r < 0)
			return cove_err(err, r,
					"Image '%s': image servers are not supported; build "
					"the image with 'cove image build' or import it with "
					"'cove image import'",
					argv[optind - 1]);
	}
	if (optind < argc) {
		r = client_local_name(argv[optind], &a->name, err);
		if (r < 0)
			return r;
	}
	return 0;
}

json_t *launch_request(const struct launch_args *a, const char *fingerprint)
{
	json_t *profiles = json_null(), *source;

	if (a->profiles || a->no_profiles) {
		profiles = json_array();
		STRV_FOREACH (p, a->profiles)
			json_array_append_new(profiles, json_string(*p));
	}
	if (fingerprint)
		source = json_pack("{ss ss ss sb}", "type", "image", "certificate", "",
				   "fingerprint", fingerprint, "allow_inconsistent", 0);
	else
		source = json_pack("{ss}", "type", "none");
	return json_pack("{ss sO sO sb so sb ss ss so ss ss}", "architecture", "", "config",
			 a->config, "devices", a->devices, "ephemeral", a->ephemeral, "profiles",
			 profiles, "stateful", 0, "description", "", "name", a->name ?: "",
			 "source", source, "instance_type", "", "type", "container");
}

/* Alias first, then the name as a fingerprint (prefix). */
static int resolve_image(const char *image, char **ret_fp, struct cove_error *err)
{
	_cleanup_free_ char *e = http_escape(image), *path = NULL;
	json_t *meta = NULL;
	const char *fp = image;
	int r;

	path = xasprintf("/1.0/images/aliases/%s", e);
	r = api_get(path, &meta, NULL, NULL);
	if (r >= 0 && json_string_value(json_object_get(meta, "target")))
		fp = json_string_value(json_object_get(meta, "target"));
	free(path);
	free(e);
	e = http_escape(fp);
	path = xasprintf("/1.0/images/%s", e);
	json_t *img = NULL;
	r = api_get(path, &img, NULL, err);
	json_decref(meta);
	if (r < 0)
		return r;
	fp = json_string_value(json_object_get(img, "fingerprint"));
	*ret_fp = xstrdup(fp ?: image);
	json_decref(img);
	return 0;
}

/* The name the server gave: from the operation's resources. */
static char *created_name(json_t *op)
{
	json_t *l = json_object_get(json_object_get(op, "resources"), "instances");
	const char *url = json_string_value(json_array_get(l, 0));
	const char *slash = url ? strrchr(url, '/') : NULL;

	return slash ? xstrdup(slash + 1) : NULL;
}

/* As lxc: a hint on stderr when the new instance has no nic (expanded devices). */
static void check_network(const char *name)
{
	_cleanup_free_ char *path = api_instance_path(name);
	json_t *inst = NULL, *dev;
	const char *k;

	if (api_get(path, &inst, NULL, NULL) < 0)
		return;
	json_object_foreach (json_object_get(inst, "expanded_devices"), k, dev) {
		if (streq_ptr(json_string_value(json_object_get(dev, "type")), "nic")) {
			json_decref(inst);
			return;
		}
	}
	json_decref(inst);
	fprintf(stderr, "\nThe instance you are starting doesn't have any network attached to it.\n"
			"  To create a new network, use: cove network create\n"
			"  To attach a network to an instance, use: cove network attach\n\n");
}

static int create(const struct launch_args *a, char **ret_name, struct cove_error *err)
{
	_cleanup_free_ char *fp = NULL;
	json_t *req, *op = NULL;
	int r;

	if (a->image) {
		r = resolve_image(a->image, &fp, err);
		if (r < 0)
			return r;
	}
	if (a->name && !arg_quiet)
		printf("Creating %s\n", a->name);
	else if (!arg_quiet)
		printf("Creating the instance\n");
	fflush(stdout);
	req = launch_request(a, fp);
	r = api_async("POST", "/1.0/instances", req, NULL, "Retrieving image: ", &op, err);
	json_decref(req);
	if (r < 0)
		return r;
	*ret_name = a->name ? xstrdup(a->name) : created_name(op);
	json_decref(op);
	if (!*ret_name)
		return cove_err(err, -EBADMSG, "Failed to find the name of the new instance");
	if (!a->name && !arg_quiet)
		printf("Instance name is: %s\n", *ret_name);
	fflush(stdout);
	if (!arg_quiet)
		check_network(*ret_name);
	return 0;
}

static int start(const char *name, struct cove_error *err)
{
	_cleanup_free_ char *path = api_instance_path(name), *spath = NULL;
	json_t *inst = NULL, *req;
	int r;

	r = api_get(path, &inst, NULL, err);
	json_decref(inst);
	if (r < 0)
		return r;
	if (!arg_quiet) {
		printf("Starting %s\n", name);
		fflush(stdout);
	}
	spath = xasprintf("%s/state", path);
	req =
	    json_pack("{ss si sb sb}", "action", "start", "timeout", -1, "force", 0, "stateful", 0);
	r = api_async("PUT", spath, req, NULL, "", NULL, err);
	json_decref(req);
	if (r < 0) {
		char msg[COVE_ERROR_MAX];
		snprintf(msg, sizeof(msg), "%s", cove_err_msg(err, r));
		return cove_err(err, r, "%s\nTry `cove info --show-log %s` for more info", msg,
				name);
	}
	return 0;
}

static int run(int argc, char **argv, bool launch, struct cove_error *err)
{
	_cleanup_(launch_args_done) struct launch_args a = {};
	_cleanup_free_ char *name = NULL, *def = xstrdup(remote_current());
	int r;

	r = launch_parse(argc, argv, &a, err);
	if (r != 0)
		return r > 0 ? 0 : r;
	/* REMOTE: prefixes: the instance's server, the image copied there if need be */
	r = remote_launch_prepare(argc, argv, def, a.image, a.name, err);
	if (r < 0)
		return r;
	r = create(&a, &name, err);
	if (r < 0 || !launch)
		return r;
	return start(name, err);
}

int cmd_launch(int argc, char **argv, struct cove_error *err)
{
	return run(argc, argv, true, err);
}

int cmd_init(int argc, char **argv, struct cove_error *err)
{
	return run(argc, argv, false, err);
}
