/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cove query [-X METHOD] [-d DATA] [--wait] [--raw] <API path>: a raw REST
 * call. Prints the metadata as indented JSON (tabs, as Go's
 * json.MarshalIndent(v, "", "\t")); --raw prints the whole envelope;
 * --wait waits for an async answer's operation and prints its metadata.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "api.h"
#include "client.h"
#include "client-internal.h"
#include "strutil.h"

/* Indented JSON with tabs, sorted keys (lxc re-encodes a generic map) and
 * Go's HTML escapes. */
char *query_format_json(json_t *v)
{
	_cleanup_free_ char *s = json_dumps(v, JSON_INDENT(1) | JSON_ENCODE_ANY | JSON_SORT_KEYS);
	char *out = xmalloc(strlen(s ?: "null") * 6 + 1), *o = out;
	bool bol = true;

	for (const char *p = s ?: "null"; *p; p++) {
		if (bol && *p == ' ') {
			*o++ = '\t';
			continue;
		}
		bol = *p == '\n';
		if (*p == '<' || *p == '>' || *p == '&')
			o += sprintf(o, "\\u00%s", *p == '<' ? "3c" : *p == '>' ? "3e" : "26");
		else
			*o++ = *p;
	}
	*o = 0;
	return out;
}

static int print_meta(json_t *v)
{
	_cleanup_free_ char *s = NULL;

	if (!v || json_is_null(v))
		return 0;
	s = query_format_json(v);
	printf("%s\n", s);
	return 0;
}

static int do_query(const char *method, const char *path, json_t *body, bool wait, bool raw,
		    struct cove_error *err)
{
	struct api_response resp = {};
	json_t *op = NULL;
	int r;

	r = api_request(method, path, body, NULL, &resp, err);
	if (r < 0)
		return r;
	if (resp.async && wait) {
		const char *id = json_string_value(json_object_get(resp.metadata, "id"));
		_cleanup_free_ char *p = xasprintf("/1.0/operations/%s/wait", id ?: "");
		api_response_done(&resp);
		r = api_get(p, &op, NULL, err);
		if (r < 0)
			return r;
		print_meta(json_object_get(op, "metadata"));
		json_decref(op);
		return 0;
	}
	print_meta(raw ? resp.root : resp.metadata);
	api_response_done(&resp);
	return 0;
}

int cmd_query(int argc, char **argv, struct cove_error *err)
{
	static const struct option opts[] = {
	    {"request", required_argument, NULL, 'X'}, {"data", required_argument, NULL, 'd'},
	    {"wait", no_argument, NULL, 'w'},	       {"raw", no_argument, NULL, 'r'},
	    {"help", no_argument, NULL, 'h'},	       {}};
	const char *method = "GET", *data = NULL, *path;
	bool wait = false, raw = false;
	json_t *body = NULL;
	json_error_t je;
	int r;

	client_opt_reset();
	while ((r = client_getopt(argc, argv, "X:d:h", opts, err)) != -1) {
		if (r < 0)
			return r;
		if (r == 'X')
			method = optarg;
		else if (r == 'd')
			data = optarg;
		else if (r == 'w')
			wait = true;
		else if (r == 'r')
			raw = true;
	}
	r = client_check_args(argc - optind, 1, 1, "cove query [<remote>:]<API path> [flags]", err);
	if (r != 0)
		return r > 0 ? 0 : r;
	r = client_local_name(argv[optind], &path, err);
	if (r < 0)
		return r;
	if (path[0] != '/')
		return cove_err(err, -EINVAL, "Query path must start with /");
	if (data) {
		body = json_loads(data, JSON_DECODE_ANY, &je);
		if (!body)
			return cove_err(err, -EINVAL, "%s", je.text);
	}
	r = do_query(method, path, body, wait, raw, err);
	json_decref(body);
	return r;
}
