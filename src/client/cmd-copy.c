/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove copy SRC[/SNAP] DST [--instance-only] [-e] [-c k=v]... [-p P]...:
 * GET the source, then POST /1.0/instances with its config (volatile keys
 * dropped but volatile.base_image), devices and profiles, and a "copy"
 * source, as `lxc copy` does on one server.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "api.h"
#include "client.h"
#include "remote-copy.h"
#include "strutil.h"
#include "strv.h"

static json_t *copy_config(json_t *src, json_t *extra)
{
	json_t *cfg = json_object(), *v;
	const char *k;

	json_object_foreach (json_object_get(src, "config"), k, v)
		if (!startswith(k, "volatile.") || streq(k, "volatile.base_image"))
			json_object_set(cfg, k, v);
	json_object_update(cfg, extra);
	return cfg;
}

static json_t *copy_request(json_t *src, const char *from, const char *to, json_t *extra,
			    json_t *profiles, bool ephemeral, bool instance_only)
{
	const char *base = json_string_value(
	    json_object_get(json_object_get(src, "config"), "volatile.base_image"));
	bool live = json_integer_value(json_object_get(src, "status_code")) == 103;

	return json_pack("{sO so sO sb sO sb ss ss s{ss ss ss ss sb sb sb} ss ss}",
			 "architecture", json_object_get(src, "architecture") ?: json_string(""),
			 "config", copy_config(src, extra), "devices",
			 json_object_get(src, "devices") ?: json_object(), "ephemeral", ephemeral,
			 "profiles", profiles ?: json_object_get(src, "profiles") ?: json_null(),
			 "stateful", 0, "description", "", "name", to, "source", "type", "copy",
			 "certificate", "", "base-image", base ?: "", "source", from, "live", live,
			 "instance_only", instance_only, "allow_inconsistent", 0, "instance_type",
			 "", "type", "container");
}

int cmd_copy(int argc, char **argv, struct cove_error *err)
{
	static const struct option opts[] = {
	    {"instance-only", no_argument, NULL, 'i'}, {"ephemeral", no_argument, NULL, 'e'},
	    {"config", required_argument, NULL, 'c'},  {"profile", required_argument, NULL, 'p'},
	    {"no-profiles", no_argument, NULL, 'P'},   {"stateless", no_argument, NULL, 's'},
	    {"copy-snapshots", no_argument, NULL, 'C'}, /* the default; the tutorial's flag */
	    {"mode", required_argument, NULL, 'm'},
	    {"help", no_argument, NULL, 'h'},	       {}};
	_cleanup_free_ char *path = NULL, *src_name = NULL;
	json_t *extra = json_object(), *profiles = NULL, *src = NULL, *req;
	bool ephemeral = false, instance_only = false;
	const char *from, *to;
	int r;

	client_opt_reset();
	while ((r = client_getopt(argc, argv, "ec:p:h", opts, err)) != -1) {
		_cleanup_free_ char *k = NULL, *v = NULL;
		if (r < 0)
			goto out;
		if (r == 'm' && !streq(optarg, "push") && !streq(optarg, "pull") &&
		    !streq(optarg, "relay")) {
			r = cove_err(err, -EINVAL, "Invalid transfer mode \"%s\"", optarg);
			goto out;
		}
		if (r == 'i')
			instance_only = true;
		else if (r == 'e')
			ephemeral = true;
		else if (r == 'c' && client_split_kv(optarg, &k, &v) >= 0)
			json_object_set_new(extra, k, json_string(v));
		else if (r == 'p' || r == 'P') {
			if (!profiles)
				profiles = json_array();
			if (r == 'p')
				json_array_append_new(profiles, json_string(optarg));
		}
	}
	r = client_check_args(
	    argc - optind, 2, 2,
	    "cove copy [<remote>:]<source>[/<snapshot>] [[<remote>:]<destination>]", err);
	if (r != 0)
		goto out;
	/* to another server: a backup carried over by the client (cmd-remote-copy.c) */
	r = remote_copy_args(argv[optind], argv[optind + 1], false, instance_only, err);
	if (r != 0)
		goto out;
	r = client_local_name(argv[optind], &from, err);
	if (r >= 0)
		r = client_local_name(argv[optind + 1], &to, err);
	if (r < 0)
		goto out;
	src_name = xstrndup(from, strcspn(from, "/"));
	path = api_instance_path(src_name);
	r = api_get(path, &src, NULL, err);
	if (r < 0)
		goto out;
	req = copy_request(src, from, to, extra, profiles, ephemeral, instance_only);
	r = api_async("POST", "/1.0/instances", req, NULL, "Transferring instance: ", NULL, err);
	json_decref(req);
out:
	json_decref(extra);
	json_decref(profiles);
	json_decref(src);
	return r > 0 ? 0 : r;
}
