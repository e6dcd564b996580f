/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The image store: build (busybox), import (unified tarball, unpacked by
 * the safe extractor in a child process), copy to instances, remove.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "alloc.h"
#include "cove/template.h"
#include "daemon.h"
#include "fileio.h"
#include "image.h"
#include "image-template.h"
#include "../client/yaml.h"
#include "strutil.h"
#include "strv.h"
#include "tar-extract.h"
#include "util.h"

#define METADATA_MAX (64 * 1024)

void image_result_clear(struct image_result *r)
{
	free(r->architecture);
	free(r->created_at);
	free(r->filename);
	if (r->properties)
		json_decref(r->properties);
	*r = (struct image_result){ 0 };
}

static int sha256_file(const char *path, char ret[static 65], long long *ret_size,
		       struct cove_error *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	EVP_MD_CTX *ctx;
	unsigned char buf[65536], md[32];
	unsigned int mdlen = 0;
	long long size = 0;
	ssize_t n;

	if (fd < 0)
		return cove_err(err, -errno, "Failed to open '%s': %m", path);
	ctx = EVP_MD_CTX_new();
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		EVP_DigestUpdate(ctx, buf, (size_t)n);
		size += n;
	}
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	if (n < 0)
		return cove_err(err, -errno, "Failed to read '%s': %m", path);
	for (int i = 0; i < 32; i++)
		sprintf(ret + 2 * i, "%02x", md[i]);
	*ret_size = size;
	return 0;
}

static char *epoch_to_rfc3339(const char *s)
{
	long long t = 0;
	struct tm tm;
	time_t tt;
	char buf[64];

	if (!s || sscanf(s, "%lld", &t) != 1)
		return util_now_rfc3339();
	tt = (time_t)t;
	gmtime_r(&tt, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return xstrdup(buf);
}

/* metadata.yaml, the fields we use: architecture, creation_date, properties.* */
int image_parse_metadata(const char *dir, struct image_result *res, struct cove_error *err)
{
	_cleanup_free_ char *path = xasprintf("%s/metadata.yaml", dir), *text = NULL, *cd = NULL;
	_cleanup_json_ json_t *doc = NULL;
	const json_t *arch, *created, *props;
	size_t len = 0;
	int r;

	r = image_read_nofollow(dir, NULL, "metadata.yaml", METADATA_MAX, &text, &len);
	if (r < 0)
		return cove_err(err, -EINVAL, "Invalid image: no readable metadata.yaml");
	r = yaml_load(text, len, &doc, err);
	if (r < 0)
		return cove_err_prefix(err, "Invalid image: bad metadata.yaml"), -EINVAL;
	arch = json_object_get(doc, "architecture");
	created = json_object_get(doc, "creation_date");
	props = json_object_get(doc, "properties");
	if (!json_is_string(arch) || json_string_length(arch) == 0)
		return cove_err(err, -EINVAL, "Invalid image: metadata.yaml has no architecture");
	if (props && !json_is_object(props))
		return cove_err(err, -EINVAL, "Invalid image: metadata.yaml properties is not a map");
	res->architecture = xstrdup(json_string_value(arch));
	if (json_is_integer(created))
		cd = xasprintf("%lld", (long long)json_integer_value(created));
	else if (json_is_string(created))
		cd = xstrdup(json_string_value(created));
	res->created_at = epoch_to_rfc3339(cd);
	res->properties = json_object();
	if (props)
		json_object_update(res->properties, (json_t *)props);
	yaml_stringify_values(res->properties);
	return 0;
}

/* dir (with metadata.yaml and rootfs/) and tarball become the image named by the tarball's sha256. */
int image_commit(const char *images_dir, const char *dir, const char *tarball,
		 struct image_result *res, struct cove_error *err)
{
	_cleanup_free_ char *dest = NULL, *dest_dir = NULL, *rootfs = xasprintf("%s/rootfs", dir);
	struct stat st;
	int r;

	if (stat(rootfs, &st) < 0 || !S_ISDIR(st.st_mode))
		return cove_err(err, -EINVAL, "Invalid image: no rootfs directory");
	r = image_parse_metadata(dir, res, err);
	if (r < 0)
		return r;
	r = sha256_file(tarball, res->fingerprint, &res->size, err);
	if (r < 0)
		return r;
	dest = xasprintf("%s/%s", images_dir, res->fingerprint);
	dest_dir = xasprintf("%s.unpacked", dest);
	if (access(dest, F_OK) == 0)
		return cove_err(err, -EEXIST, "Image with same fingerprint already exists");
	if (rename(dir, dest_dir) < 0)
		return cove_err(err, -errno, "Failed to store image '%s': %m", res->fingerprint);
	if (rename(tarball, dest) < 0) {
		r = cove_err(err, -errno, "Failed to store image '%s': %m", res->fingerprint);
		(void)rm_rf(dest_dir);
		return r;
	}
	return 0;
}

static char *mkdtemp_in(const char *images_dir, const char *what)
{
	char *t = xasprintf("%s/.%s.XXXXXX", images_dir, what);

	if (!mkdtemp(t)) {
		free(t);
		return NULL;
	}
	return t;
}

static const char busybox_metadata[] =
	"architecture: %s\n"
	"creation_date: %lld\n"
	"properties:\n"
	"  architecture: %s\n"
	"  description: BusyBox static rootfs (built by coved)\n"
	"  name: busybox\n"
	"  os: busybox\n"
	"  release: host\n"
	"  serial: \"%lld%09ld\"\n";

int image_build_busybox(const char *images_dir, struct image_result *ret, struct cove_error *err)
{
	_cleanup_free_ char *dir = mkdtemp_in(images_dir, "build"), *rootfs = NULL, *meta = NULL;
	_cleanup_free_ char *tarball = NULL, *config = NULL, *md = NULL;
	struct cove_template_ctx ctx = { .name = "busybox" };
	struct timespec now;
	int r;

	if (!dir)
		return cove_err(err, -errno, "Failed to make a build directory in '%s': %m", images_dir);
	rootfs = xasprintf("%s/rootfs", dir);
	tarball = xasprintf("%s.tar.gz", dir);
	ctx.path = dir;
	ctx.rootfs = rootfs;
	if (mkdir(rootfs, 0755) < 0) {
		r = cove_err(err, -errno, "Failed to make '%s': %m", rootfs);
		goto fail;
	}
	r = cove_template_busybox(&ctx, &config, err);
	if (r < 0)
		goto fail;
	meta = xasprintf("%s/metadata.yaml", dir);
	/*
	 * Every build gets its own serial (as images of a server do), so two builds
	 * in the same second are two images, not one fingerprint clash.
	 */
	clock_gettime(CLOCK_REALTIME, &now);
	md = xasprintf(busybox_metadata, util_arch(), (long long)now.tv_sec, util_arch(),
		       (long long)now.tv_sec, now.tv_nsec);
	r = write_file_atomic(meta, md, strlen(md), 0644);
	if (r < 0) {
		cove_err(err, r, "Failed to write '%s': %s", meta, strerror(-r));
		goto fail;
	}
	r = util_run((char *[]){ "tar", "--numeric-owner", "--sort=name", "-C", dir, "-czf",
				 tarball, "metadata.yaml", "rootfs", NULL },
		     err);
	if (r < 0)
		goto fail;
	ret->filename = xstrdup("busybox.tar.gz");
	r = image_commit(images_dir, dir, tarball, ret, err);
	if (r < 0)
		goto fail;
	return 0;
fail:
	(void)rm_rf(dir);
	(void)unlink(tarball);
	return r;
}

int image_import_tarball(const char *images_dir, const char *upload, struct image_result *ret,
			 struct cove_error *err)
{
	_cleanup_free_ char *dir = mkdtemp_in(images_dir, "import");
	struct tar_extract_opts o = { .no_dev = true };
	int r;

	if (!dir)
		return cove_err(err, -errno, "Failed to make an import directory: %m");
	r = tar_extract(upload, dir, &o, err);
	if (r < 0) {
		cove_err_prefix(err, "Invalid image tarball");
		goto fail;
	}
	r = image_commit(images_dir, dir, upload, ret, err);
	if (r < 0)
		goto fail;
	return 0;
fail:
	(void)rm_rf(dir);
	(void)unlink(upload);
	return r;
}

int image_copy_rootfs(const char *images_dir, const char *fingerprint, const char *dest,
		      struct cove_error *err)
{
	_cleanup_free_ char *src = xasprintf("%s/%s.unpacked/rootfs", images_dir, fingerprint);

	_cleanup_free_ char *unpacked = xasprintf("%s/%s.unpacked", images_dir, fingerprint);
	_cleanup_free_ char *instdir = xstrdup(dest);
	char *slash = strrchr(instdir, '/');
	int r;

	if (access(src, F_OK) < 0)
		return cove_err(err, -ENOENT, "Image '%s' has no unpacked rootfs", fingerprint);
	r = util_run((char *[]){ "cp", "-a", "--reflink=auto", src, (char *)dest, NULL }, err);
	if (r < 0 || !slash)
		return r;
	/* the instance keeps the image's metadata.yaml and templates/ (as LXD does) */
	*slash = 0;
	return image_templates_copy(unpacked, instdir, err);
}

int image_remove_files(const char *images_dir, const char *fingerprint)
{
	_cleanup_free_ char *f = xasprintf("%s/%s", images_dir, fingerprint);
	_cleanup_free_ char *d = xasprintf("%s.unpacked", f);

	_cleanup_free_ char *rf = xasprintf("%s.rootfs", f);

	(void)unlink(f);
	(void)unlink(rf);
	return rm_rf(d);
}

json_t *image_to_json(const struct db_image *i)
{
	_cleanup_strv_free_ char **aliases = NULL;
	json_t *a = json_array();

	(void)db_alias_names(the_daemon->db, i->fingerprint, &aliases, NULL);
	STRV_FOREACH(n, aliases)
		json_array_append_new(a, json_pack("{s:s, s:s}", "name", *n, "description", ""));
	return json_pack("{s:b, s:O, s:b, s:s, s:o, s:o, s:s, s:b, s:s, s:s, s:I, s:s, s:s,"
			 " s:s, s:s}",
			 "auto_update", i->auto_update, "properties", i->properties, "public",
			 i->public, "expires_at", i->expires_at ?: "1970-01-01T00:00:00Z", "profiles",
			 json_is_array(i->profiles) ? json_incref(i->profiles)
						    : json_pack("[s]", "default"),
			 "aliases", a, "architecture", i->architecture, "cached", 0, "filename",
			 i->filename, "fingerprint", i->fingerprint, "size", (json_int_t)i->size,
			 "type", "container", "created_at", i->created_at, "last_used_at",
			 i->last_used_at ?: "1970-01-01T00:00:00Z", "uploaded_at", i->uploaded_at);
}

json_t *image_put_json(const struct db_image *i)
{
	return json_pack("{s:b, s:O, s:b, s:s, s:o}", "auto_update", i->auto_update, "properties",
			 i->properties, "public", i->public, "expires_at",
			 i->expires_at ?: "1970-01-01T00:00:00Z", "profiles",
			 json_is_array(i->profiles) ? json_incref(i->profiles)
						    : json_pack("[s]", "default"));
}

/* Remove what a crash left behind: temporary files and images the database does not know. */
void image_store_cleanup(const char *images_dir)
{
	_cleanup_closedir_ DIR *d = opendir(images_dir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		_cleanup_free_ char *fp = NULL, *p = NULL;
		struct db_image img = { 0 };
		const char *suffix;

		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		p = path_join(images_dir, de->d_name);
		if (de->d_name[0] == '.') {
			(void)rm_rf(p);
			continue;
		}
		suffix = strchr(de->d_name, '.');
		fp = suffix ? xstrndup(de->d_name, (size_t)(suffix - de->d_name)) : xstrdup(de->d_name);
		if (strlen(fp) == 64 && db_image_get(the_daemon->db, fp, &img, NULL) == 0) {
			db_image_clear(&img);
			continue;
		}
		(void)rm_rf(p);
	}
}
