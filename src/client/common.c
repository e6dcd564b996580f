/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers shared by the cove sub-commands: option parsing with LXD's error
 * texts, argument checks, stdin, $EDITOR, remotes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc.h"
#include "api.h"
#include "client.h"
#include "fileio.h"
#include "format.h"
#include "http.h"
#include "remote.h"
#include "strutil.h"
#include "yaml.h"

#define STDIN_MAX (64u * 1024 * 1024)

bool arg_quiet;

int client_subcommand(const struct cmd *table, const char *parent, int argc, char **argv,
		      struct cove_error *err)
{
	if (argc < 2 || streq(argv[1], "--help") || streq(argv[1], "-h")) {
		printf("Usage:\n  cove %s [command]\n\nAvailable Commands:\n", parent);
		for (const struct cmd *c = table; c->name; c++)
			printf("  %-12s %s\n", c->name, c->summary);
		return 0;
	}
	for (const struct cmd *c = table; c->name; c++)
		if (streq(c->name, argv[1]))
			return c->run(argc - 1, argv + 1, err);
	return cove_err(err, -EINVAL, "unknown command \"%s\" for \"cove %s\"", argv[1], parent);
}

void client_opt_reset(void)
{
	optind = 0;
	opterr = 0;
}

int client_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
		  struct cove_error *err)
{
	int c = getopt_long(argc, argv, shortopts, longopts, NULL);

	if (c == '?') {
		if (optopt && optopt < 256 && !(optind > 0 && startswith(argv[optind - 1], "--")))
			return cove_err(err, -EINVAL, "unknown shorthand flag: '%c' in -%c", optopt,
					optopt);
		return cove_err(err, -EINVAL, "unknown flag: %s", argv[optind - 1]);
	}
	if (c == ':')
		return cove_err(err, -EINVAL, "flag needs an argument: %s", argv[optind - 1]);
	return c;
}

int client_check_args(int n, int min, int max, const char *usage, struct cove_error *err)
{
	if (n >= min && (max < 0 || n <= max))
		return 0;
	printf("Usage:\n  %s\n", usage);
	if (n == 0)
		return 1;
	return cove_err(err, -EINVAL, "Invalid number of arguments");
}

int client_split_kv(const char *s, char **ret_key, char **ret_value)
{
	const char *eq = strchr(s, '=');

	if (!eq)
		return -EINVAL;
	*ret_key = xstrndup(s, (size_t)(eq - s));
	*ret_value = xstrdup(eq + 1);
	return 0;
}

int client_read_stdin(char **ret, size_t *ret_len, struct cove_error *err)
{
	int r = read_full_fd(STDIN_FILENO, STDIN_MAX, ret, ret_len);

	if (r < 0)
		return cove_err(err, r, "Failed to read from stdin: %s", strerror(-r));
	return 0;
}

static int run_editor(const char *path, struct cove_error *err)
{
	const char *ed = getenv("VISUAL");
	_cleanup_free_ char *cmd = NULL;
	int status;
	pid_t pid;

	if (isempty(ed))
		ed = getenv("EDITOR");
	if (isempty(ed))
		ed = "vi";
	cmd = xasprintf("%s \"$1\"", ed);
	pid = fork();
	if (pid < 0)
		return cove_err(err, -errno, "Failed to fork: %m");
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, "sh", path, (char *)NULL);
		_exit(127);
	}
	if (RETRY_EINTR(waitpid(pid, &status, 0)) < 0)
		return cove_err(err, -errno, "Failed to wait for the editor: %m");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return cove_err(err, -ECANCELED, "Editor '%s' failed", ed);
	return 0;
}

int client_edit_text(const char *text, char **ret, struct cove_error *err)
{
	char path[] = "/tmp/cove_editor_XXXXXX.yaml";
	_cleanup_close_ int fd = mkostemps(path, 5, O_CLOEXEC);
	size_t len;
	int r;

	if (fd < 0)
		return cove_err(err, -errno, "Failed to create a temporary file: %m");
	r = loop_write(fd, text, strlen(text));
	if (r >= 0)
		r = run_editor(path, err);
	else
		cove_err(err, r, "Failed to write '%s': %s", path, strerror(-r));
	if (r >= 0) {
		r = read_full_file(path, STDIN_MAX, ret, &len);
		if (r < 0)
			cove_err(err, r, "Failed to read '%s': %s", path, strerror(-r));
	}
	(void)unlink(path);
	return r;
}

void client_print_yaml(json_t *v)
{
	_cleanup_free_ char *y = yaml_dump(v);

	fputs(y, stdout);
}

int client_local_name(const char *arg, const char **ret, struct cove_error *err)
{
	_cleanup_free_ char *remote = NULL;
	int r = remote_split(arg, &remote, ret, err);

	/* "REMOTE:name": the connections of this command go to REMOTE (remote.h) */
	if (r >= 0 && remote)
		r = remote_use(remote, err);
	return r;
}

static int cmp_json_str(const void *a, const void *b)
{
	const char *x = json_string_value(*(json_t *const *)a) ?: "";
	const char *y = json_string_value(*(json_t *const *)b) ?: "";

	return strcmp(x, y);
}

void client_sort_used_by(json_t *obj)
{
	json_t *l = json_object_get(obj, "used_by"), *v;
	size_t n = json_array_size(l), i;
	_cleanup_free_ json_t **items = NULL;

	if (n < 2)
		return;
	items = xnew0(json_t *, n);
	json_array_foreach (l, i, v)
		items[i] = json_incref(v);
	qsort(items, n, sizeof(json_t *), cmp_json_str);
	json_array_clear(l);
	for (i = 0; i < n; i++)
		json_array_append_new(l, items[i]);
}

void client_sort_maps(json_t *obj)
{
	static const char *const maps[] = {"config", "devices", "expanded_config",
					   "expanded_devices", "properties"};

	for (size_t i = 0; i < ELEMENTSOF(maps); i++) {
		json_t *m = json_object_get(obj, maps[i]);
		if (!json_is_object(m) || json_object_size(m) < 2)
			continue;
		_cleanup_free_ char *s = json_dumps(m, JSON_SORT_KEYS | JSON_COMPACT);
		json_t *sorted = s ? json_loads(s, 0, NULL) : NULL;
		if (sorted)
			json_object_set_new(obj, maps[i], sorted);
	}
}

void client_print_object(json_t *v)
{
	client_sort_used_by(v);
	client_sort_maps(v);
	client_print_yaml(v);
}

int client_list_cmd(int argc, char **argv, const char *path, client_render_fn render,
		    struct cove_error *err)
{
	static const struct option opts[] = { { "format", required_argument, NULL, 'f' }, {} };
	enum format fmt = FORMAT_TABLE;
	json_t *list = NULL;
	int r;

	client_opt_reset();
	while ((r = client_getopt(argc, argv, "f:", opts, err)) != -1) {
		if (r < 0)
			return r;
		fmt = format_from_string(optarg);
		if ((int)fmt < 0)
			return cove_err(err, -EINVAL, "Invalid format \"%s\"", optarg);
	}
	if (optind < argc) { /* "REMOTE:" */
		const char *rest;

		r = client_local_name(argv[optind], &rest, err);
		if (r < 0)
			return r;
	}
	r = api_get(path, &list, NULL, err);
	if (r < 0)
		return r;
	r = render(list, fmt, err);
	json_decref(list);
	return r;
}

int client_show_cmd(int argc, char **argv, const char *collection, const char *usage,
		    struct cove_error *err)
{
	_cleanup_free_ char *e = NULL, *path = NULL;
	json_t *obj = NULL;
	int r;

	r = client_check_args(argc - 1, 1, 1, usage, err);
	if (r != 0)
		return r > 0 ? 0 : r;
	e = http_escape(argv[1]);
	path = xasprintf("%s/%s", collection, e);
	r = api_get(path, &obj, NULL, err);
	if (r < 0)
		return r;
	client_print_object(obj);
	json_decref(obj);
	return 0;
}
