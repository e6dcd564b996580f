/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the config parser: any text either fails to load or
 * loads, passes or fails cove_conf_check, and writes out text that loads
 * again and writes out the same (write is a fixed point after one round).
 * Inputs that mention lxc.include are skipped: the fuzzer must not read
 * host files. Build: CC=clang meson setup build-fuzz -Dfuzz=true
 * -Db_sanitize=address,undefined -Dc_args=-fsanitize=fuzzer-no-link
 * -Db_lundef=false. Run on a copy of the golden inputs (libFuzzer writes
 * new inputs into its first corpus directory, keep it out of the tree):
 * d=$(mktemp -d); cp tests/data/conf/*.conf $d; build-fuzz/tests/fuzz/fuzz-conf $d
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cove/conf.h"

static char *write_string(const struct cove_conf *c)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		abort();
	if (cove_conf_write(c, f) < 0)
		abort();
	if (fclose(f) != 0)
		abort();
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_(cove_conf_freep) struct cove_conf *c = NULL, *d = NULL;
	_cleanup_free_ char *text = NULL, *w1 = NULL, *w2 = NULL;
	struct cove_error err = {};
	char buf[64];

	if (size > 65536 || memmem(data, size, "include", 7))
		return 0;
	text = xstrndup((const char *)data, size);
	c = cove_conf_new();
	if (cove_conf_load_string(c, "fuzz", text, &err) < 0) {
		if (err.code >= 0 || !err.msg[0])
			abort();
		return 0;
	}
	(void)cove_conf_check(c, &err);
	for (size_t i = 0; i < c->n_lines; i++)
		if (c->lines[i].key)
			(void)cove_conf_get(c, c->lines[i].key, buf, sizeof(buf), NULL);
	w1 = write_string(c);
	d = cove_conf_new();
	if (cove_conf_load_string(d, "fuzz-written", w1, &err) < 0)
		abort(); /* what we write must load */
	w2 = write_string(d);
	if (strcmp(w1, w2) != 0)
		abort();
	return 0;
}
