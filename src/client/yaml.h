/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * YAML <-> jansson, the one place the CLI touches YAML. Output follows the
 * style of LXD's client (Go yaml.v2): two-space indents, sequences in a
 * mapping not indented, scalars quoted only when a plain scalar would read
 * back as another type or is not valid plain YAML. Input is parsed with
 * libfyaml; plain scalars resolve like YAML 1.1 (null, bool, int, float).
 */
#pragma once

#include <jansson.h>

#include "cove/error.h"

/* A new string holding the YAML document for v (ends with a newline). */
char *yaml_dump(json_t *v);
/* Parse text; *ret gets a new reference. An empty document is {}. */
int yaml_load(const char *text, size_t len, json_t **ret, struct cove_error *err);
/* How a scalar string is written: the quoted or plain text (new string). */
char *yaml_scalar(const char *s);
/* Turn every value of the object obj (not recursive) into a string, as Go
 * does when YAML lands in a map[string]string. Non-objects are left alone. */
void yaml_stringify_values(json_t *obj);
