/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * metadata.yaml templates (LXD's pongo2 templates, the subset real images
 * use): {{ expr }}, {% if %}/{% elif %}/{% else %}/{% endif %}, {# #}.
 * Expressions: variables (container.name, instance.name, properties.K,
 * trigger, path, config.K), string and number literals, config_get(K, D),
 * == and !=, not/and/or, parentheses, and the filters default, lower,
 * upper, capfirst, title, trim, safe. Anything else is an error naming
 * the template and its line. Output is not HTML-escaped (LXD renders with
 * autoescape off).
 *
 * When an instance is created from an image, the image's metadata.yaml and
 * templates/ are copied next to the instance's rootfs (as LXD keeps them);
 * the templates whose `when` lists the trigger (create, copy, start,
 * rename) are rendered into the rootfs at that moment.
 */
#pragma once

#include <jansson.h>

#include "cove/error.h"

/*
 * Render text (named name, for messages). vars is the context: an object
 * whose members are the variables; config_get() reads vars["config"].
 */
int image_template_render(const char *name, const char *text, const json_t *vars, char **ret,
			  struct cove_error *err);

/*
 * Render the templates of the instance directory dir (metadata.yaml,
 * templates/, rootfs/) whose `when` holds trigger. config is the instance's
 * expanded config (may be NULL). A directory without metadata.yaml has no
 * templates: 0. Files are written with openat2(RESOLVE_IN_ROOT) on the
 * rootfs, so nothing lands outside it.
 */
int image_templates_apply(const char *dir, const char *trigger, const char *name,
			  const json_t *config, struct cove_error *err);

/* Copy metadata.yaml and templates/ of an unpacked image into an instance dir. */
int image_templates_copy(const char *unpacked, const char *dir, struct cove_error *err);

/*
 * Before a start: the pending trigger (volatile.apply_template: create,
 * copy, rename), removed from i->config (the caller saves it), then "start".
 * config is the expanded config.
 */
struct db_instance;
int instance_templates_start(struct db_instance *i, const json_t *config, struct cove_error *err);
/* After a copy: the source instance's metadata.yaml and templates/ go with it. */
int instance_templates_copied(const char *from, const char *dir, struct cove_error *err);

/* dir/sub/name (sub may be NULL) read without following symlinks; -EPERM if not a regular file. */
int image_read_nofollow(const char *dir, const char *sub, const char *name, size_t max, char **ret,
			size_t *ret_len);
/* After a rename: the "rename" templates render at the next start (unless another trigger is pending). */
void instance_templates_renamed(const char *name);
