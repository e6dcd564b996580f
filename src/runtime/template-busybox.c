/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The built-in busybox template: a small bootable rootfs made of the
 * host's static busybox (Debian's busybox-static), laid out like LXC's
 * busybox template leaves it (applet links, /etc/inittab running
 * /etc/init.d/rcS, root in /etc/passwd with a locked password) and the
 * config lines that go with it (busybox init halts on SIGUSR1 and
 * reboots on SIGTERM; it ignores SIGPWR).
 *
 * Everything is created below a dirfd of the (new, empty) rootfs with
 * *at() calls, so nothing here follows a path outside of it.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc.h"
#include "cove/template.h"
#include "fileio.h"
#include "log.h"
#include "strutil.h"
#include "strv.h"

LOG_MODULE("template");

#define BUSYBOX_DEFAULT "/bin/busybox"
#define BUSYBOX_TTYS 4
#define BUSYBOX_MAX_SIZE (64u << 20)

int cove_elf_is_static(int fd)
{
	unsigned char ident[EI_NIDENT];
	bool is64;
	uint64_t phoff;
	unsigned phnum, phentsize;

	if (pread(fd, ident, sizeof(ident), 0) != sizeof(ident) ||
	    memcmp(ident, ELFMAG, SELFMAG) != 0)
		return -ENOEXEC;
	is64 = ident[EI_CLASS] == ELFCLASS64;
	if (is64) {
		Elf64_Ehdr eh;

		if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh))
			return -ENOEXEC;
		phoff = eh.e_phoff, phnum = eh.e_phnum, phentsize = eh.e_phentsize;
	} else {
		Elf32_Ehdr eh;

		if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh))
			return -ENOEXEC;
		phoff = eh.e_phoff, phnum = eh.e_phnum, phentsize = eh.e_phentsize;
	}
	if (phnum > 4096 || phentsize < (is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr)))
		return -ENOEXEC;
	for (unsigned i = 0; i < phnum; i++) {
		uint32_t type;

		/* p_type is the first field of both Phdr layouts */
		if (pread(fd, &type, sizeof(type), (off_t)(phoff + (uint64_t)i * phentsize)) !=
		    sizeof(type))
			return -ENOEXEC;
		if (type == PT_INTERP)
			return 0;
	}
	return 1;
}

static int write_at(int dfd, const char *path, const char *text, mode_t mode,
		    struct cove_error *err)
{
	_cleanup_close_ int fd = -EBADF;
	int r;

	fd = openat(dfd, path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return cove_err(err, -errno, "Failed to create '%s' in the rootfs: %m", path);
	r = loop_write(fd, text, strlen(text));
	if (r >= 0 && fchmod(fd, mode) < 0)
		r = -errno;
	if (r < 0)
		return cove_err(err, r, "Failed to write '%s' in the rootfs: %s", path, strerror(-r));
	return 0;
}

static int mkdir_at(int dfd, const char *path, mode_t mode, struct cove_error *err)
{
	if (mkdirat(dfd, path, mode) < 0 && errno != EEXIST)
		return cove_err(err, -errno, "Failed to create directory '%s' in the rootfs: %m",
				path);
	/* mkdir obeys the umask: set the mode we mean */
	if (fchmodat(dfd, path, mode, 0) < 0)
		return cove_err(err, -errno, "Failed to chmod '%s' in the rootfs: %m", path);
	return 0;
}

static const struct {
	const char *path;
	mode_t mode;
} busybox_dirs[] = {
	{ "bin", 0755 },      { "sbin", 0755 },		{ "usr", 0755 },
	{ "usr/bin", 0755 },  { "usr/sbin", 0755 },	{ "usr/share", 0755 },
	{ "usr/share/udhcpc", 0755 }, { "etc", 0755 },	{ "etc/init.d", 0755 },
	{ "dev", 0755 },      { "dev/pts", 0755 },	{ "proc", 0555 },
	{ "sys", 0555 },      { "run", 0755 },		{ "tmp", 01777 },
	{ "root", 0700 },     { "home", 0755 },		{ "mnt", 0755 },
	{ "var", 0755 },      { "var/log", 0755 },	{ "var/tmp", 01777 },
	{ "lib", 0755 },
};

/* Copy the busybox binary (fd) to bin/busybox. */
static int copy_busybox(int src, int rootfd, struct cove_error *err)
{
	_cleanup_close_ int dst = -EBADF;
	char buf[65536];
	ssize_t n;
	int r;

	dst = openat(rootfd, "bin/busybox", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		     0755);
	if (dst < 0)
		return cove_err(err, -errno, "Failed to create 'bin/busybox' in the rootfs: %m");
	if (lseek(src, 0, SEEK_SET) < 0)
		return cove_err(err, -errno, "Failed to read busybox: %m");
	while ((n = RETRY_EINTR(read(src, buf, sizeof(buf)))) > 0) {
		r = loop_write(dst, buf, (size_t)n);
		if (r < 0)
			return cove_err(err, r, "Failed to copy busybox: %s", strerror(-r));
	}
	if (n < 0)
		return cove_err(err, -errno, "Failed to read busybox: %m");
	if (fchmod(dst, 0755) < 0)
		return cove_err(err, -errno, "Failed to chmod 'bin/busybox': %m");
	return 0;
}

/* Run "busybox --list-full" (or --list, older versions) and return its output. */
static int busybox_list(const char *busybox, bool full, char **ret)
{
	_cleanup_close_ int rfd = -EBADF, wfd = -EBADF;
	_cleanup_free_ char *out = NULL;
	int pipefd[2], status, r;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	rfd = pipefd[0], wfd = pipefd[1];
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (dup2(wfd, STDOUT_FILENO) < 0 || (devnull >= 0 && dup2(devnull, STDIN_FILENO) < 0) ||
		    (devnull >= 0 && dup2(devnull, STDERR_FILENO) < 0))
			_exit(127);
		execl(busybox, "busybox", full ? "--list-full" : "--list", (char *)NULL);
		_exit(127);
	}
	wfd = safe_close(wfd);
	r = read_full_fd(rfd, 1 << 20, &out, NULL);
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (r < 0)
		return r;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || isempty(out))
		return -ENOEXEC;
	*ret = TAKE_PTR(out);
	return 0;
}

/* Link each applet to /bin/busybox at the place busybox says it lives. */
static int link_applets(const char *busybox, int rootfd, struct cove_error *err)
{
	_cleanup_free_ char *list = NULL;
	_cleanup_strv_free_ char **applets = NULL;
	bool full = true;
	int r;

	r = busybox_list(busybox, true, &list);
	if (r < 0) {
		full = false;
		r = busybox_list(busybox, false, &list);
	}
	if (r < 0)
		return cove_err(err, r, "Failed to list the applets of '%s'", busybox);
	applets = strv_split(list, "\n");
	STRV_FOREACH(a, applets) {
		_cleanup_free_ char *rel = NULL;
		const char *p = *a;

		if (!full)
			p = rel = xasprintf("bin/%s", *a);
		/* only plain relative paths below known directories */
		if (p[0] == '/' || strstr(p, "..") || string_has_cc(p))
			continue;
		if (streq(p, "bin/busybox"))
			continue;
		if (symlinkat("/bin/busybox", rootfd, p) < 0 && errno != EEXIST)
			return cove_err(err, -errno, "Failed to link applet '%s': %m", p);
	}
	/* init must exist whatever busybox's list said */
	if (symlinkat("/bin/busybox", rootfd, "sbin/init") < 0 && errno != EEXIST)
		return cove_err(err, -errno, "Failed to link 'sbin/init': %m");
	if (symlinkat("/bin/busybox", rootfd, "bin/sh") < 0 && errno != EEXIST)
		return cove_err(err, -errno, "Failed to link 'bin/sh': %m");
	return 0;
}

static const char rcs_text[] =
	"#!/bin/sh\n"
	"# Boot script of a cove busybox container, run once by init (sysinit).\n"
	"# Mount only what the container manager did not mount already (busybox-static\n"
	"# has no mountpoint applet: look in the mount table).\n"
	"mounted() { grep -q \" $1 \" /proc/self/mounts 2>/dev/null; }\n"
	"mounted /proc || mount -t proc -o nosuid,nodev,noexec proc /proc\n"
	"mounted /sys || mount -t sysfs -o ro,nosuid,nodev,noexec sysfs /sys\n"
	"mkdir -p /dev/pts /dev/shm\n"
	"mounted /dev/pts || mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 "
	"devpts /dev/pts\n"
	"mounted /dev/shm || mount -t tmpfs -o mode=1777,nosuid,nodev shm /dev/shm\n"
	"mounted /run || mount -t tmpfs -o mode=0755,nosuid,nodev run /run\n"
	"mkdir -p /run/lock\n"
	"mount -a 2>/dev/null\n"
	"ip link set lo up 2>/dev/null\n"
	"# DHCP on eth0 when there is one and it has no address yet, in the background\n"
	"if [ -e /sys/class/net/eth0 ] && ! ip -4 addr show dev eth0 | grep -q inet; then\n"
	"\tudhcpc -b -S -i eth0 -x \"hostname:$(hostname)\" -p /run/udhcpc.eth0.pid "
	"-s /usr/share/udhcpc/default.script >/dev/null 2>&1 &\n"
	"fi\n"
	"exit 0\n";

static const char udhcpc_text[] =
	"#!/bin/sh\n"
	"# udhcpc event script: apply a DHCP lease to $interface.\n"
	"case \"$1\" in\n"
	"deconfig)\n"
	"\tip -4 addr flush dev \"$interface\"\n"
	"\tip link set \"$interface\" up\n"
	"\t;;\n"
	"bound|renew)\n"
	"\tip -4 addr flush dev \"$interface\"\n"
	"\tip addr add \"$ip/${mask:-24}\" ${broadcast:+broadcast \"$broadcast\"} dev \"$interface\"\n"
	"\tif [ -n \"$router\" ]; then\n"
	"\t\twhile ip route del default dev \"$interface\" 2>/dev/null; do :; done\n"
	"\t\tfor r in $router; do\n"
	"\t\t\tip route add default via \"$r\" dev \"$interface\" && break\n"
	"\t\tdone\n"
	"\tfi\n"
	"\t: >/etc/resolv.conf\n"
	"\t[ -n \"$domain\" ] && echo \"search $domain\" >>/etc/resolv.conf\n"
	"\tfor s in $dns; do echo \"nameserver $s\" >>/etc/resolv.conf; done\n"
	"\t;;\n"
	"esac\n"
	"exit 0\n";

static char *make_inittab(void)
{
	char *s = xstrdup("# busybox init: boot script, a shell on the console, a getty on each tty\n"
			  "::sysinit:/etc/init.d/rcS\n"
			  "console::respawn:-/bin/sh\n");

	for (int i = 1; i <= BUSYBOX_TTYS; i++) {
		char *n = xasprintf("%stty%d::respawn:/sbin/getty -L tty%d 115200 vt100\n", s, i, i);

		free(s);
		s = n;
	}
	char *n = xasprintf("%s::ctrlaltdel:/sbin/reboot\n"
			    "::shutdown:/bin/umount -a -r\n", s);
	free(s);
	return n;
}

static int write_etc(int rootfd, const char *name, struct cove_error *err)
{
	_cleanup_free_ char *inittab = make_inittab();
	_cleanup_free_ char *hostname = xasprintf("%s\n", name);
	_cleanup_free_ char *hosts = xasprintf("127.0.0.1\tlocalhost\n"
					       "127.0.1.1\t%s\n"
					       "::1\t\tlocalhost ip6-localhost ip6-loopback\n",
					       name);
	const struct {
		const char *path, *text;
		mode_t mode;
	} files[] = {
		{ "etc/inittab", inittab, 0644 },
		{ "etc/init.d/rcS", rcs_text, 0755 },
		{ "usr/share/udhcpc/default.script", udhcpc_text, 0755 },
		{ "etc/passwd", "root:x:0:0:root:/root:/bin/sh\n", 0644 },
		{ "etc/group", "root:x:0:\ntty:x:5:\n", 0644 },
		/* root's password is locked, as with LXC's template: set one with passwd */
		{ "etc/shadow", "root:!:0:0:99999:7:::\n", 0600 },
		{ "etc/hostname", hostname, 0644 },
		{ "etc/hosts", hosts, 0644 },
		{ "etc/fstab", "", 0644 },
		{ "etc/profile", "export PATH=/bin:/sbin:/usr/bin:/usr/sbin\n", 0644 },
	};
	int r;

	for (size_t i = 0; i < ELEMENTSOF(files); i++) {
		r = write_at(rootfd, files[i].path, files[i].text, files[i].mode, err);
		if (r < 0)
			return r;
	}
	if (symlinkat("../run", rootfd, "var/run") < 0)
		return cove_err(err, -errno, "Failed to link 'var/run': %m");
	return 0;
}

static const char busybox_config[] =
	"\n# Written by the busybox template\n"
	"lxc.signal.halt = SIGUSR1\n"
	"lxc.signal.reboot = SIGTERM\n"
	"lxc.autodev = 1\n"
	"lxc.tty.max = 4\n"
	"lxc.pty.max = 1024\n"
	"lxc.mount.auto = proc:mixed sys:mixed cgroup:mixed\n"
	"lxc.mount.entry = shm dev/shm tmpfs defaults,create=dir 0 0\n"
	"lxc.mount.entry = mqueue dev/mqueue mqueue defaults,optional,create=dir 0 0\n";

static int parse_args(char *const *args, const char **ret_busybox, struct cove_error *err)
{
	const char *busybox = BUSYBOX_DEFAULT, *v;

	for (size_t i = 0; args && args[i]; i++) {
		const char *a = args[i];

		if ((v = startswith(a, "--busybox-path="))) {
			busybox = v;
		} else if (streq(a, "--busybox-path")) {
			if (!args[i + 1])
				return cove_err(err, -EINVAL,
						"Template busybox: option '--busybox-path' needs a path");
			busybox = args[++i];
		} else if (startswith(a, "--mapped-uid") || startswith(a, "--mapped-gid")) {
			/* LXC's internal user-namespace arguments: nothing to chown here */
			if (!strchr(a, '=') && args[i + 1])
				i++;
		} else {
			return cove_err(err, -EINVAL,
					"Template busybox: unknown option '%s' (accepted: --busybox-path PATH)",
					a);
		}
	}
	if (isempty(busybox) || busybox[0] != '/')
		return cove_err(err, -EINVAL, "Template busybox: '%s' is not an absolute path",
				busybox);
	*ret_busybox = busybox;
	return 0;
}

int cove_template_busybox(const struct cove_template_ctx *ctx, char **ret_config,
			  struct cove_error *err)
{
	_cleanup_close_ int bfd = -EBADF, rootfd = -EBADF;
	const char *busybox = NULL;
	struct stat st;
	int r;

	r = parse_args(ctx->args, &busybox, err);
	if (r < 0)
		return r;
	bfd = open(busybox, O_RDONLY | O_CLOEXEC);
	if (bfd < 0)
		return cove_err(err, -errno, "Failed to open busybox '%s': %m (install busybox-static)",
				busybox);
	if (fstat(bfd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > BUSYBOX_MAX_SIZE)
		return cove_err(err, -ENOEXEC, "'%s' is not a busybox binary", busybox);
	r = cove_elf_is_static(bfd);
	if (r < 0)
		return cove_err(err, r, "'%s' is not an ELF binary", busybox);
	if (r == 0)
		return cove_err(err, -ENOEXEC,
				"'%s' is dynamically linked: the busybox template needs a static busybox (install busybox-static)",
				busybox);
	rootfd = open(ctx->rootfs, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (rootfd < 0)
		return cove_err(err, -errno, "Failed to open rootfs '%s': %m", ctx->rootfs);
	for (size_t i = 0; i < ELEMENTSOF(busybox_dirs); i++) {
		r = mkdir_at(rootfd, busybox_dirs[i].path, busybox_dirs[i].mode, err);
		if (r < 0)
			return r;
	}
	r = copy_busybox(bfd, rootfd, err);
	if (r < 0)
		return r;
	r = link_applets(busybox, rootfd, err);
	if (r < 0)
		return r;
	r = write_etc(rootfd, ctx->name, err);
	if (r < 0)
		return r;
	log_debug("busybox rootfs written to '%s'", ctx->rootfs);
	*ret_config = xstrdup(busybox_config);
	return 0;
}
