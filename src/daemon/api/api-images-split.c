/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * POST /1.0/images with a multipart/form-data body: a split image
 * (parts "metadata" and "rootfs", as `lxc image import META ROOTFS` sends
 * them). The parts are written to temporary files of the image store; the
 * import itself (images/image-split.c) runs on the thread pool.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "daemon.h"
#include "fileio.h"
#include "images/image.h"
#include "macro.h"
#include "request.h"
#include "strutil.h"

static int save_part(const struct image_part *p, char **ret, struct cove_error *err)
{
	_cleanup_free_ char *path = xasprintf("%s/.upload.XXXXXX", the_daemon->images_dir);
	_cleanup_close_ int fd = mkostemp(path, O_CLOEXEC);
	int r;

	if (fd < 0)
		return cove_err(err, -errno, "Failed to store the upload: %m");
	r = loop_write(fd, p->data, p->len);
	if (r < 0) {
		(void)unlink(path);
		return cove_err(err, r, "Failed to store the upload: %s", strerror(-r));
	}
	*ret = TAKE_PTR(path);
	return 0;
}

int image_split_upload(struct request *req, char **ret_meta, char **ret_rootfs,
		       char **ret_filename, struct cove_error *err)
{
	_cleanup_free_ char *ct = request_header(req, "Content-Type");
	_cleanup_free_ char *meta = NULL, *fn = NULL;
	struct image_part parts[] = { { .name = "metadata" }, { .name = "rootfs" },
				      { .name = "rootfs.img" } };
	int r;

	if (!ct || !startswith(ct, "multipart/"))
		return 0;
	r = image_multipart_parse(req->body, req->body_len, ct, parts, 3, err);
	if (r < 0)
		return r;
	if (parts[2].data && !parts[1].data)
		return cove_err(err, -EINVAL, "Virtual machine images are not supported");
	if (!parts[0].data || parts[0].len == 0)
		return cove_err(err, -EINVAL, "Invalid multipart image upload: no metadata part");
	if (!parts[1].data || parts[1].len == 0)
		return cove_err(err, -EINVAL, "Invalid multipart image upload: no rootfs part");
	r = save_part(&parts[0], &meta, err);
	if (r < 0)
		return r;
	r = save_part(&parts[1], ret_rootfs, err);
	if (r < 0) {
		(void)unlink(meta);
		return r;
	}
	*ret_meta = TAKE_PTR(meta);
	fn = request_header(req, "X-LXD-filename");
	free(*ret_filename);
	if (!fn || strchr(fn, '/') || string_has_cc(fn))
		*ret_filename = xstrdup("image.tar.xz");
	else
		*ret_filename = TAKE_PTR(fn);
	return 1;
}

#define EXPORT_MAX (1ull << 30)
#define EXPORT_BOUNDARY "cove-split-image-2b7e151628aed2a6abf7158809cf4f3c"

static int append_part(FILE *out, const char *name, const char *filename, const char *path)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r = read_full_file(path, EXPORT_MAX, &data, &len);

	if (r < 0)
		return r;
	if (memmem(data, len, EXPORT_BOUNDARY, strlen(EXPORT_BOUNDARY)))
		return -EBADMSG;
	fprintf(out,
		"--" EXPORT_BOUNDARY "\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
		"Content-Type: application/octet-stream\r\n\r\n",
		name, filename);
	fwrite(data, 1, len, out);
	fputs("\r\n", out);
	return 0;
}

bool image_split_export(struct request *req, const struct db_image *img)
{
	_cleanup_free_ char *meta = xasprintf("%s/%s", the_daemon->images_dir, img->fingerprint);
	_cleanup_free_ char *rootfs = xasprintf("%s.rootfs", meta), *buf = NULL;
	_cleanup_free_ char *mfn = xasprintf("meta-%s", img->filename ?: "image.tar.xz");
	size_t len = 0;
	FILE *out;
	int r;

	if (access(rootfs, F_OK) < 0)
		return false;
	out = open_memstream(&buf, &len);
	if (!out) {
		reply_errno(req, -ENOMEM, "Out of memory");
		return true;
	}
	r = append_part(out, "metadata", mfn, meta);
	if (r >= 0)
		r = append_part(out, "rootfs", img->filename ?: "image.tar.xz", rootfs);
	fputs("--" EXPORT_BOUNDARY "--\r\n", out);
	fclose(out);
	if (r < 0) {
		reply_errno(req, r, "Failed to read the image files");
		return true;
	}
	reply_bytes(req, "multipart/form-data; boundary=" EXPORT_BOUNDARY, "", 0);
	free(req->resp);
	req->resp = TAKE_PTR(buf);
	req->resp_len = len;
	return true;
}

static char *url_unescape(const char *s, size_t n)
{
	char *out = xmalloc(n + 1), *o = out;

	for (size_t i = 0; i < n; i++) {
		unsigned v;

		if (s[i] == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1]) &&
		    isxdigit((unsigned char)s[i + 2]) && sscanf(s + i + 1, "%2x", &v) == 1) {
			*o++ = (char)v;
			i += 2;
		} else
			*o++ = s[i] == '+' ? ' ' : s[i];
	}
	*o = 0;
	return out;
}

int image_upload_options(struct request *req, struct image_upload_opts *o, struct cove_error *err)
{
	_cleanup_free_ char *fp = request_header(req, "X-LXD-fingerprint");
	_cleanup_free_ char *pub = request_header(req, "X-LXD-public");
	_cleanup_free_ char *props = request_header(req, "X-LXD-properties");

	if (fp && (strlen(fp) != 64 || strspn(fp, "0123456789abcdef") != 64))
		return cove_err(err, -EINVAL, "Invalid X-LXD-fingerprint '%s'", fp);
	o->fingerprint = TAKE_PTR(fp);
	o->public = pub && (streq(pub, "true") || streq(pub, "1"));
	o->properties = json_object();
	for (const char *p = props; p && *p;) {
		size_t n = strcspn(p, "&");
		const char *eq = memchr(p, '=', n);
		_cleanup_free_ char *k = NULL, *v = NULL;

		if (!eq || eq == p)
			return cove_err(err, -EINVAL, "Invalid X-LXD-properties");
		k = url_unescape(p, (size_t)(eq - p));
		v = url_unescape(eq + 1, (size_t)(p + n - eq - 1));
		if (string_has_cc(k) || isempty(k))
			return cove_err(err, -EINVAL, "Invalid X-LXD-properties");
		json_object_set_new(o->properties, k, json_string(v));
		p += n + (p[n] == '&');
	}
	return 0;
}
