/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Small macros used everywhere: cleanup attributes, ownership transfer,
 * array sizes. Modelled on the conventions of systemd; no logging, no policy.
 */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <dirent.h>

#define _public_ __attribute__((visibility("default")))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _noreturn_ __attribute__((noreturn))
#define _cleanup_(f) __attribute__((cleanup(f)))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define STRLEN(x) (sizeof(x) - 1)
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define MIN(a, b) ((a) < (b) ? (a) : (b))

/* Hand a pointer on: returns it and leaves NULL behind. */
#define TAKE_PTR(p)                          \
	({                                   \
		__typeof__(p) _tp_ = (p);    \
		(p) = NULL;                  \
		_tp_;                        \
	})

/* Hand an fd on: returns it and leaves -EBADF behind. */
#define TAKE_FD(fd)                          \
	({                                   \
		int _tf_ = (fd);             \
		(fd) = -EBADF;               \
		_tf_;                        \
	})

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		(void)close(*fd);
		errno = saved;
	}
}

static inline void fclosep(FILE **f)
{
	if (*f)
		(void)fclose(*f);
}

static inline void closedirp(DIR **d)
{
	if (*d)
		(void)closedir(*d);
}

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_closedir_ _cleanup_(closedirp)

/* Define a cleanup helper "funcp" for a destructor "func(type)". */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)     \
	static inline void func##p(type *p)         \
	{                                           \
		if (*p)                             \
			*p = func(*p);              \
	}

/* Close an fd, keep errno, return -EBADF (so: fd = safe_close(fd);). */
static inline int safe_close(int fd)
{
	if (fd >= 0) {
		int saved = errno;
		(void)close(fd);
		errno = saved;
	}
	return -EBADF;
}

/* Retry a syscall expression while it fails with EINTR. */
#define RETRY_EINTR(expr)                                    \
	({                                                   \
		__typeof__(expr) _r_;                        \
		do                                           \
			_r_ = (expr);                        \
		while (_r_ < 0 && errno == EINTR);           \
		_r_;                                         \
	})

static inline int negative_errno(void)
{
	return errno > 0 ? -errno : -EIO;
}
