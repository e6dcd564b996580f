/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* File and fd helpers. All return 0 or a negative errno; none log. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Read a whole file (at most max bytes, else -EFBIG) into a NUL-terminated buffer. */
int read_full_file(const char *path, size_t max, char **ret, size_t *ret_len);
int read_full_fd(int fd, size_t max, char **ret, size_t *ret_len);
/* The absolute path of what fd refers to (one readlink of /proc/self/fd/N; realpath() takes one per component). */
int fd_realpath(int fd, char **ret);
/* Read the first line of a small file, newline stripped. */
int read_one_line(const char *path, char **ret);
/* Write s to an existing file (one write, as cgroup and proc files want). */
int write_string_file(const char *path, const char *s);
/* Write a file atomically: temp file in the same directory, fsync-free rename. */
int write_file_atomic(const char *path, const char *data, size_t len, mode_t mode);
int mkdir_p(const char *path, mode_t mode);
/*
 * Remove a tree without following links and without descending into any mount
 * point below it (bind mounts of the same filesystem included: -EXDEV).
 */
int rm_rf(const char *path);
/* Full read/write loops; loop_read returns bytes read (short only at EOF). */
ssize_t loop_read(int fd, void *buf, size_t n);
int loop_write(int fd, const void *buf, size_t n);
int fd_nonblock(int fd, bool nonblock);
int fd_cloexec(int fd, bool cloexec);
/* Close every fd >= 3 except those listed (sorted or not). */
int close_all_fds(const int *except, size_t n);

/* Send / receive up to n fds with a small payload over a unix socket. */
int send_fds(int sock, const void *data, size_t len, const int *fds, size_t nfds);
/* Received fds are O_CLOEXEC; missing ones are -EBADF. Returns bytes read. */
ssize_t recv_fds(int sock, void *data, size_t len, int *fds, size_t nfds);
