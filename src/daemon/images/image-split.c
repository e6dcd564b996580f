/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Split images: a metadata tarball (metadata.yaml, templates/) and a
 * rootfs tarball, uploaded as multipart/form-data with parts "metadata"
 * and "rootfs" (as LXD's client sends them). The fingerprint is the sha256
 * of the metadata tarball followed by the rootfs tarball. Stored as
 * images/<fp> (metadata tarball), images/<fp>.rootfs and
 * images/<fp>.unpacked/ (metadata.yaml, templates/, rootfs/), like
 * unified images.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "alloc.h"
#include "fileio.h"
#include "image.h"
#include "macro.h"
#include "strutil.h"
#include "tar-extract.h"

static char *boundary_of(const char *content_type)
{
	const char *b = content_type ? strstr(content_type, "boundary=") : NULL;
	size_t n;

	if (!b || !startswith(content_type, "multipart/form-data"))
		return NULL;
	b += strlen("boundary=");
	if (*b == '"') {
		b++;
		n = strcspn(b, "\"");
	} else
		n = strcspn(b, "; \t\r\n");
	if (n == 0 || n > 70)
		return NULL;
	return xasprintf("--%.*s", (int)n, b);
}

/* The value of name="..." in a part's headers. */
static char *part_name(const char *head, size_t len)
{
	_cleanup_free_ char *h = xstrndup(head, len);
	const char *n = strstr(h, "; name=\"");

	if (!n)
		n = strstr(h, ";name=\"");
	if (!n)
		return NULL;
	n = strchr(n, '"') + 1;
	return xstrndup(n, strcspn(n, "\""));
}

int image_multipart_parse(const char *body, size_t len, const char *content_type,
			  struct image_part *parts, size_t n_parts, struct cove_error *err)
{
	_cleanup_free_ char *delim = boundary_of(content_type);
	const char *p, *end = body + len;
	size_t dl;

	if (!delim)
		return cove_err(err, -EINVAL, "Invalid multipart image upload: no boundary");
	dl = strlen(delim);
	p = memmem(body, len, delim, dl);
	while (p) {
		const char *head, *data, *next;
		_cleanup_free_ char *name = NULL;

		p += dl;
		if (end - p >= 2 && p[0] == '-' && p[1] == '-')
			return 0; /* closing delimiter */
		if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
			break;
		head = p + 2;
		data = memmem(head, (size_t)(end - head), "\r\n\r\n", 4);
		if (!data)
			break;
		name = part_name(head, (size_t)(data - head));
		data += 4;
		next = memmem(data, (size_t)(end - data), delim, dl);
		if (!next || next - data < 2)
			break;
		for (size_t i = 0; name && i < n_parts; i++)
			if (streq(parts[i].name, name)) {
				parts[i].data = data;
				parts[i].len = (size_t)(next - 2 - data);
			}
		p = next;
	}
	return cove_err(err, -EINVAL, "Invalid multipart image upload: malformed body");
}

static int sha256_files(const char *a, const char *b, char ret[static 65], long long *ret_size,
			struct cove_error *err)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char buf[65536], md[32];
	unsigned int mdlen = 0;
	long long size = 0;
	int r = 0;

	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	for (const char *f = a; f && r == 0; f = f == a ? b : NULL) {
		_cleanup_close_ int fd = open(f, O_RDONLY | O_CLOEXEC);
		ssize_t n;

		if (fd < 0) {
			r = cove_err(err, -errno, "Failed to open '%s': %m", f);
			break;
		}
		while ((n = read(fd, buf, sizeof(buf))) > 0) {
			EVP_DigestUpdate(ctx, buf, (size_t)n);
			size += n;
		}
		if (n < 0)
			r = cove_err(err, -errno, "Failed to read '%s': %m", f);
	}
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	if (r < 0)
		return r;
	for (int i = 0; i < 32; i++)
		sprintf(ret + 2 * i, "%02x", md[i]);
	*ret_size = size;
	return 0;
}

static int extract_split(const char *dir, const char *meta, const char *rootfs,
			 struct cove_error *err)
{
	_cleanup_free_ char *rdir = xasprintf("%s/rootfs", dir);
	/* an upload is untrusted: a device node fails it (as backups do) */
	struct tar_extract_opts o = { .refuse_dev = true };
	int r;

	r = tar_extract(meta, dir, &o, err);
	if (r < 0)
		return cove_err_prefix(err, "Invalid image metadata tarball"), r;
	if (access(rdir, F_OK) == 0)
		return cove_err(err, -EINVAL,
				"Invalid image metadata tarball: it holds a rootfs directory");
	if (mkdir(rdir, 0755) < 0)
		return cove_err(err, -errno, "Failed to make '%s': %m", rdir);
	r = tar_extract(rootfs, rdir, &o, err);
	if (r < 0)
		return cove_err_prefix(err, "Invalid image rootfs tarball"), r;
	return 0;
}

int image_import_split(const char *images_dir, const char *meta, const char *rootfs,
		       struct image_result *ret, struct cove_error *err)
{
	_cleanup_free_ char *dir = xasprintf("%s/.import.XXXXXX", images_dir);
	_cleanup_free_ char *dest = NULL, *dest_rootfs = NULL, *dest_dir = NULL;
	int r;

	if (!mkdtemp(dir)) {
		r = cove_err(err, -errno, "Failed to make an import directory: %m");
		goto fail;
	}
	r = extract_split(dir, meta, rootfs, err);
	if (r < 0)
		goto fail;
	r = image_parse_metadata(dir, ret, err);
	if (r < 0)
		goto fail;
	r = sha256_files(meta, rootfs, ret->fingerprint, &ret->size, err);
	if (r < 0)
		goto fail;
	dest = xasprintf("%s/%s", images_dir, ret->fingerprint);
	dest_rootfs = xasprintf("%s.rootfs", dest);
	dest_dir = xasprintf("%s.unpacked", dest);
	if (access(dest, F_OK) == 0) {
		r = cove_err(err, -EEXIST, "Image with same fingerprint already exists");
		goto fail;
	}
	if (rename(dir, dest_dir) < 0 || rename(rootfs, dest_rootfs) < 0 || rename(meta, dest) < 0) {
		r = cove_err(err, -errno, "Failed to store image '%s': %m", ret->fingerprint);
		(void)rm_rf(dest_dir);
		(void)unlink(dest_rootfs);
		goto fail;
	}
	return 0;
fail:
	(void)rm_rf(dir);
	(void)unlink(meta);
	(void)unlink(rootfs);
	return r;
}
