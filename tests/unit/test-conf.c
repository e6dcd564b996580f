/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the LXC config parser (src/config): every key round-trips
 * (set, get, write, load, get), every key has bad values that fail with
 * -EINVAL and change nothing, golden files (tests/data/conf), includes and
 * include loops, error messages, enum<->string tables. Runs as any user;
 * only temporary files are touched.
 */
#include <errno.h>
#include <glob.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <syslog.h>
#include <cmocka.h>

#include "alloc.h"
#include "conf-internal.h"
#include "cove/conf.h"
#include "fileio.h"
#include "strutil.h"
#include "strv.h"

#ifndef TEST_DATA_DIR
#error "TEST_DATA_DIR must be defined"
#endif

static char *get_value(const struct cove_conf *c, const char *key)
{
	char small[4];
	char *buf;
	int n;

	n = cove_conf_get(c, key, small, sizeof(small), NULL);
	if (n < 0)
		return NULL;
	buf = xmalloc(n + 1);
	assert_int_equal(cove_conf_get(c, key, buf, n + 1, NULL), n);
	return buf;
}

static char *write_string(const struct cove_conf *c)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	assert_non_null(f);
	assert_int_equal(cove_conf_write(c, f), 0);
	assert_int_equal(fclose(f), 0);
	return s;
}

/* ---- round trips: one row per key (and per interesting value) ---- */

struct rt {
	const char *key, *value, *expect; /* expect NULL: same as value */
};

static const struct rt roundtrips[] = {
    {"lxc.uts.name", "web01", NULL},
    {"lxc.rootfs.path", "dir:/var/lib/lxc/web/rootfs", NULL},
    {"lxc.rootfs.path", "/srv/rootfs", NULL},
    {"lxc.rootfs.mount", "/usr/lib/x86_64-linux-gnu/lxc", NULL},
    {"lxc.rootfs.options", "idmap=container", NULL},
    {"lxc.rootfs.managed", "0", NULL},
    {"lxc.arch", "amd64", "x86_64"},
    {"lxc.arch", "x86_64", NULL},
    {"lxc.arch", "i386", "i686"},
    {"lxc.net.0.type", "veth", NULL},
    {"lxc.net.0.type", "empty", NULL},
    {"lxc.net.0.type", "none", NULL},
    {"lxc.net.0.type", "macvlan", NULL},
    {"lxc.net.0.type", "vlan", NULL},
    {"lxc.net.0.type", "phys", NULL},
    {"lxc.net.0.flags", "up", NULL},
    {"lxc.net.0.link", "lxcbr0", NULL},
    {"lxc.net.0.name", "eth0", NULL},
    {"lxc.net.0.hwaddr", "00:16:3e:xx:xx:xx", NULL},
    {"lxc.net.0.hwaddr", "00:16:3E:AB:cd:01", NULL},
    {"lxc.net.0.mtu", "1500", NULL},
    {"lxc.net.0.ipv4.address", "10.0.3.100/24", NULL},
    {"lxc.net.0.ipv4.address", "10.0.3.100/24 10.0.3.255", NULL},
    {"lxc.net.0.ipv4.address", "10.0.3.100", NULL},
    {"lxc.net.0.ipv4.gateway", "10.0.3.1", NULL},
    {"lxc.net.0.ipv4.gateway", "auto", NULL},
    {"lxc.net.0.ipv4.gateway", "dev", NULL},
    {"lxc.net.0.ipv6.address", "fd00::100/64", NULL},
    {"lxc.net.0.ipv6.gateway", "fd00::1", NULL},
    {"lxc.net.0.ipv6.gateway", "auto", NULL},
    {"lxc.net.0.veth.pair", "vethweb0", NULL},
    {"lxc.net.0.veth.mode", "router", NULL},
    {"lxc.net.0.veth.mode", "bridge", NULL},
    {"lxc.net.0.veth.ipv4.route", "192.168.10.0/24", NULL},
    {"lxc.net.0.veth.ipv6.route", "fd01::/64", NULL},
    {"lxc.net.3.macvlan.mode", "private", NULL},
    {"lxc.net.3.macvlan.mode", "vepa", NULL},
    {"lxc.net.3.macvlan.mode", "bridge", NULL},
    {"lxc.net.3.macvlan.mode", "passthru", NULL},
    {"lxc.net.1.vlan.id", "0", NULL},
    {"lxc.net.1.vlan.id", "4094", NULL},
    {"lxc.net.0.script.up", "/usr/local/bin/net-up", NULL},
    {"lxc.net.0.script.down", "/usr/local/bin/net-down", NULL},
    {"lxc.idmap", "u 0 100000 65536", NULL},
    {"lxc.idmap", "g  0\t100000 65536", "g 0 100000 65536"},
    {"lxc.mount.auto", "cgroup:mixed proc:mixed sys:mixed", "proc:mixed sys:mixed cgroup:mixed"},
    {"lxc.mount.auto", "proc sys cgroup", "proc:mixed sys:mixed cgroup"},
    {"lxc.mount.auto", "proc:rw sys:rw cgroup:rw:force", NULL},
    {"lxc.mount.auto", "sys:ro cgroup:ro", NULL},
    {"lxc.mount.auto", "cgroup-full:mixed", NULL},
    {"lxc.mount.auto", "cgroup-full:rw:force", NULL},
    {"lxc.mount.auto", "cgroup-full", NULL},
    {"lxc.mount.auto", "cgroup:force", NULL},
    {"lxc.mount.auto", "shmounts:/run/shm", "shmounts:/run/shm:/dev/.lxc-mounts"},
    {"lxc.mount.auto", "shmounts:/run/shm:/mnt/shm", NULL},
    {"lxc.mount.entry", "/sys/fs/fuse/connections sys/fs/fuse/connections none bind,optional 0 0",
     NULL},
    {"lxc.mount.entry", "tmpfs tmp tmpfs size=10m,create=dir",
     "tmpfs tmp tmpfs size=10m,create=dir 0 0"},
    {"lxc.mount.entry", "/my\\040dir mnt/x none bind 0 0", NULL},
    {"lxc.mount.fstab", "/var/lib/lxc/web/fstab", NULL},
    {"lxc.cgroup.dir", "cove/web", NULL},
    {"lxc.cgroup.memory.limit_in_bytes", "512M", NULL},
    {"lxc.cgroup.devices.allow", "c 1:3 rwm", NULL},
    {"lxc.cgroup2.memory.max", "512M", NULL},
    {"lxc.cgroup2.cpu.max", "50000 100000", NULL},
    {"lxc.cgroup2.cpu.max", "50000 100000  # 50% d'un CPU", NULL},
    {"lxc.cap.drop", "sys_admin sys_time", NULL},
    {"lxc.cap.drop", "SYS_MODULE cap_mknod", "sys_module mknod"},
    {"lxc.cap.keep", "none", NULL},
    {"lxc.cap.keep", "sys_admin net_raw", NULL},
    {"lxc.seccomp.profile", "/usr/share/lxc/config/common.seccomp", NULL},
    {"lxc.apparmor.profile", "generated", NULL},
    {"lxc.apparmor.allow_nesting", "1", NULL},
    {"lxc.apparmor.allow_nesting", "0", NULL},
    {"lxc.no_new_privs", "1", NULL},
    {"lxc.tty.max", "4", NULL},
    {"lxc.tty.dir", "lxc", NULL},
    {"lxc.pty.max", "1024", NULL},
    {"lxc.console.path", "none", NULL},
    {"lxc.console.path", "/dev/pts/3", NULL},
    {"lxc.console.logfile", "/var/log/lxc/web.console", NULL},
    {"lxc.console.buffer.size", "auto", "131072"},
    {"lxc.console.buffer.size", "1M", "1048576"},
    {"lxc.console.size", "64K", "65536"},
    {"lxc.console.rotate", "1", NULL},
    {"lxc.environment", "FOO=bar baz", NULL},
    {"lxc.environment", "HOME", NULL},
    {"lxc.environment", "EMPTY=", NULL},
    {"lxc.init.cmd", "/sbin/init --log-level=debug", NULL},
    {"lxc.init.uid", "1000", NULL},
    {"lxc.init.gid", "100", NULL},
    {"lxc.init.cwd", "/root", NULL},
    {"lxc.start.auto", "1", NULL},
    {"lxc.start.delay", "5", NULL},
    {"lxc.start.order", "-3", NULL},
    {"lxc.group", "onboot", NULL},
    {"lxc.hook.pre-start", "/usr/bin/hook pre-start", NULL},
    {"lxc.hook.pre-mount", "/usr/bin/hook-pre-mount", NULL},
    {"lxc.hook.mount", "/usr/share/lxcfs/lxc.mount.hook", NULL},
    {"lxc.hook.autodev", "/usr/bin/hook-autodev", NULL},
    {"lxc.hook.start", "/hook-start", NULL},
    {"lxc.hook.stop", "/usr/bin/hook-stop", NULL},
    {"lxc.hook.post-stop", "/usr/share/lxcfs/lxc.reboot.hook", NULL},
    {"lxc.hook.clone", "/usr/share/lxc/hooks/clonehostname", NULL},
    {"lxc.hook.destroy", "/usr/bin/hook-destroy", NULL},
    {"lxc.hook.start-host", "/usr/bin/hook-start-host", NULL},
    {"lxc.hook.version", "1", NULL},
    {"lxc.autodev", "0", NULL},
    {"lxc.autodev", "1", NULL},
    {"lxc.log.file", "/var/log/lxc/web.log", NULL},
    {"lxc.log.level", "debug", "DEBUG"},
    {"lxc.log.level", "0", "TRACE"},
    {"lxc.log.level", "WARN", NULL},
    {"lxc.signal.halt", "SIGPWR", "30"},
    {"lxc.signal.halt", "SIGRTMIN+3", "37"},
    {"lxc.signal.stop", "KILL", "9"},
    {"lxc.signal.stop", "15", NULL},
    {"lxc.signal.reboot", "sigint", "2"},
    {"lxc.prlimit.nofile", "1024:4096", NULL},
    {"lxc.prlimit.core", "unlimited", NULL},
    {"lxc.prlimit.nproc", "100", NULL},
    {"lxc.prlimit.stack", "8388608:unlimited", NULL},
    {"lxc.sysctl.net.ipv4.ip_forward", "1", NULL},
    {"lxc.sysctl.kernel.msgmax", "65536", NULL},
    {"lxc.ephemeral", "1", NULL},
    /* values that need quoting when written */
    {"lxc.init.cmd", "  /sbin/init ", NULL},
    {"lxc.environment", "\"QUOTED=1\"", NULL},
};

static void test_roundtrip_one(void **state)
{
	const struct rt *t = *state;
	const char *expect = t->expect ?: t->value;
	_cleanup_(cove_conf_freep) struct cove_conf *c = cove_conf_new();
	_cleanup_(cove_conf_freep) struct cove_conf *d = cove_conf_new();
	_cleanup_free_ char *v1 = NULL, *v2 = NULL, *text = NULL;
	struct cove_error err = {};

	assert_int_equal(cove_conf_set(c, t->key, t->value, &err), 0);
	v1 = get_value(c, t->key);
	assert_non_null(v1);
	assert_string_equal(v1, expect);

	text = write_string(c);
	assert_int_equal(cove_conf_load_string(d, "rt.conf", text, &err), 0);
	v2 = get_value(d, t->key);
	assert_non_null(v2);
	assert_string_equal(v2, expect);

	/* setting what get returned gives the same value again (single values) */
	if (!strchr(v1, '\n')) {
		_cleanup_(cove_conf_freep) struct cove_conf *e = cove_conf_new();
		_cleanup_free_ char *v3 = NULL;

		assert_int_equal(cove_conf_set(e, t->key, v1, &err), 0);
		v3 = get_value(e, t->key);
		assert_string_equal(v3, expect);
	}

	/* an empty value clears */
	assert_int_equal(cove_conf_set(d, t->key, "", &err), 0);
	free(v2);
	v2 = get_value(d, t->key);
	assert_non_null(v2);
	assert_string_not_equal(v2, expect);
}

/* Every accepted key of the table has a round trip (prefix rows: some key under them). */
static void test_every_key_tested(void **state)
{
	static const char *const set_only[] = {"lxc.include", "lxc.net",  "lxc.cgroup",
					       "lxc.cgroup2", "lxc.hook", "lxc.prlimit",
					       "lxc.sysctl"};
	size_t n;
	const struct cove_key *keys = conf_key_table(&n);

	for (size_t i = 0; i < n; i++) {
		bool found = false;

		if (!conf_key_is_known(&keys[i]))
			continue;
		for (size_t j = 0; j < ELEMENTSOF(set_only); j++)
			found = found || streq(keys[i].name, set_only[j]);
		for (size_t j = 0; !found && j < ELEMENTSOF(roundtrips); j++)
			found = keys[i].match == COVE_KEY_EXACT
				    ? streq(roundtrips[j].key, keys[i].name)
				    : !!startswith(roundtrips[j].key, keys[i].name);
		if (!found)
			fail_msg("key '%s' has no round-trip test", keys[i].name);
	}
}

/* ---- bad values: each must fail with -EINVAL and change nothing ---- */

struct bad {
	const char *key, *value;
};

static const struct bad bads[] = {
    {"lxc.uts.name", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
    {"lxc.uts.name", "a\nb"},
    {"lxc.rootfs.path", "/x\x01y"},
    {"lxc.rootfs.managed", "maybe"},
    {"lxc.arch", "arm64"},
    {"lxc.arch", "x86-64"},
    {"lxc.arch", "s390x"},
    {"lxc.net", "veth"},
    {"lxc.net.0", "veth"},
    {"lxc.net.x.type", "veth"},
    {"lxc.net.-1.type", "veth"},
    {"lxc.net.99999.type", "veth"},
    {"lxc.net.0.", "veth"},
    {"lxc.net.0.nosuch", "x"},
    {"lxc.net.0.type", "bogus"},
    {"lxc.net.0.type", "VETH"},
    {"lxc.net.0.flags", "down"},
    {"lxc.net.0.flags", "UP"},
    {"lxc.net.0.link", "a/b"},
    {"lxc.net.0.link", "abcdefghijklmnop"},
    {"lxc.net.0.link", "a b"},
    {"lxc.net.0.name", ".."},
    {"lxc.net.0.name", "eth0:1"},
    {"lxc.net.0.hwaddr", "00:16:3e:xx:xx"},
    {"lxc.net.0.hwaddr", "00:16:3e:XX:xx:xx"},
    {"lxc.net.0.hwaddr", "00:16:3e:xx:xx:xg"},
    {"lxc.net.0.hwaddr", "00-16-3e-00-00-00"},
    {"lxc.net.0.hwaddr", "0016:3e:00:00:00:0"},
    {"lxc.net.0.hwaddr", "00:16:3e:00:00:00:00"},
    {"lxc.net.0.mtu", "abc"},
    {"lxc.net.0.mtu", "0"},
    {"lxc.net.0.mtu", "70000"},
    {"lxc.net.0.mtu", "-1"},
    {"lxc.net.0.ipv4.address", "10.0.3.300/24"},
    {"lxc.net.0.ipv4.address", "10.0.3.1/33"},
    {"lxc.net.0.ipv4.address", "10.0.3.1/x"},
    {"lxc.net.0.ipv4.address", "10.0.3.1/24 bogus"},
    {"lxc.net.0.ipv4.address", "10.0.3.1/24 10.0.3.255 x"},
    {"lxc.net.0.ipv4.address", "fd00::1/64"},
    {"lxc.net.0.ipv4.gateway", "10.0.0"},
    {"lxc.net.0.ipv4.gateway", "fd00::1"},
    {"lxc.net.0.ipv4.gateway", "10.0.0.1/24"},
    {"lxc.net.0.ipv4.gateway", "automatic"},
    {"lxc.net.0.ipv6.address", "10.0.0.1"},
    {"lxc.net.0.ipv6.address", "fd00::1/129"},
    {"lxc.net.0.ipv6.address", "fd00::1 x"},
    {"lxc.net.0.ipv6.gateway", "10.0.0.1"},
    {"lxc.net.0.ipv6.gateway", "xyz"},
    {"lxc.net.0.veth.pair", "abcdefghijklmnop"},
    {"lxc.net.0.veth.mode", "switch"},
    {"lxc.net.0.veth.ipv4.route", "10.0.0.0"},
    {"lxc.net.0.veth.ipv4.route", "10.0.0.0/40"},
    {"lxc.net.0.veth.ipv6.route", "fd00::"},
    {"lxc.net.0.veth.ipv6.route", "fd00::/200"},
    {"lxc.net.0.macvlan.mode", "bridged"},
    {"lxc.net.0.vlan.id", "4095"},
    {"lxc.net.0.vlan.id", "-1"},
    {"lxc.net.0.vlan.id", "x"},
    {"lxc.net.0.script.up", "/bin/up\n"},
    {"lxc.idmap", "u 0 100000"},
    {"lxc.idmap", "x 0 1 1"},
    {"lxc.idmap", "b 0 100000 65536"},
    {"lxc.idmap", "u 0 1 0"},
    {"lxc.idmap", "u a 1 1"},
    {"lxc.idmap", "u -1 1 1"},
    {"lxc.idmap", "u 4294967295 0 2"},
    {"lxc.idmap", "u 0 4294967296 1"},
    {"lxc.idmap", "u 0 100000 65536 7"},
    {"lxc.mount.auto", "proc:ro"},
    {"lxc.mount.auto", "bogus"},
    {"lxc.mount.auto", "proc:mixed sys:foo"},
    {"lxc.mount.auto", "cgroup:mixed:forced"},
    {"lxc.mount.auto", "proc:force"},
    {"lxc.mount.auto", "shmounts:relative"},
    {"lxc.mount.auto", "shmounts:"},
    {"lxc.mount.auto", "shmounts:/a:b"},
    {"lxc.mount.entry", "a b c"},
    {"lxc.mount.entry", "a b c d 0 0 x"},
    {"lxc.mount.entry", "a b c d x 0"},
    {"lxc.mount.entry", "a b c d 0 x"},
    {"lxc.mount.entry", "a b c d -1 0"},
    {"lxc.cgroup", "x"},
    {"lxc.cgroup.a/b", "1"},
    {"lxc.cgroup.memory..max", "1"},
    {"lxc.cgroup..max", "1"},
    {"lxc.cgroup.dir.container", "x"},
    {"lxc.cgroup.relative", "1"},
    {"lxc.cgroup2", "x"},
    {"lxc.cgroup2.../x", "1"},
    {"lxc.cgroup2.memory.max", "1\x7f"},
    {"lxc.cap.drop", "sys_admin bogus"},
    {"lxc.cap.drop", "sys-admin"},
    {"lxc.cap.drop", "cap_"},
    {"lxc.cap.drop", "99"},
    {"lxc.cap.keep", "nonsense"},
    {"lxc.cap.keep", "none sys_admin"},
    {"lxc.apparmor.allow_nesting", "2"},
    {"lxc.apparmor.allow_nesting", "yesno"},
    {"lxc.no_new_privs", "2"},
    {"lxc.tty.max", "four"},
    {"lxc.tty.max", "-1"},
    {"lxc.tty.max", "1.5"},
    {"lxc.tty.max", "99999999999"},
    {"lxc.tty.dir", "a/b"},
    {"lxc.tty.dir", ".."},
    {"lxc.pty.max", "x"},
    {"lxc.console.buffer.size", "1X"},
    {"lxc.console.buffer.size", "-1"},
    {"lxc.console.buffer.size", "auto1"},
    {"lxc.console.size", "abc"},
    {"lxc.console.rotate", "maybe"},
    {"lxc.environment", "=x"},
    {"lxc.environment", "A B=1"},
    {"lxc.environment", "A=\x1b[0m"},
    {"lxc.init.uid", "-1"},
    {"lxc.init.uid", "abc"},
    {"lxc.init.uid", "4294967295"},
    {"lxc.init.gid", "x"},
    {"lxc.init.cwd", "relative/dir"},
    {"lxc.start.auto", "2"},
    {"lxc.start.delay", "-1"},
    {"lxc.start.order", "x"},
    {"lxc.start.order", "1.5"},
    {"lxc.hook", "/bin/true"},
    {"lxc.hook.nosuch", "/bin/true"},
    {"lxc.hook.version", "2"},
    {"lxc.autodev", "3"},
    {"lxc.log.level", "9"},
    {"lxc.log.level", "loud"},
    {"lxc.signal.halt", "SIGFOO"},
    {"lxc.signal.halt", "0"},
    {"lxc.signal.halt", "65"},
    {"lxc.signal.halt", "SIGRTMIN+40"},
    {"lxc.signal.halt", "SIGRTMIN-1"},
    {"lxc.signal.halt", "RTMAX+1"},
    {"lxc.signal.stop", "-9"},
    {"lxc.signal.reboot", "SIG"},
    {"lxc.prlimit", "1"},
    {"lxc.prlimit.bogus", "1"},
    {"lxc.prlimit.nofile", "1:x"},
    {"lxc.prlimit.nofile", "4096:1024"},
    {"lxc.prlimit.nofile", "abc"},
    {"lxc.prlimit.nofile", "-1"},
    {"lxc.prlimit.nofile", "1:2:3"},
    {"lxc.sysctl", "1"},
    {"lxc.sysctl.a/b", "1"},
    {"lxc.ephemeral", "7"},
    /* unknown, unsupported and legacy keys */
    {"lxc.bogus", "x"},
    {"lxc.uts", "x"},
    {"lxc", "x"},
    {"foo", "bar"},
    {"lxc.uts name", "x"},
    {"lxc.selinux.context", "x"},
    {"lxc.namespace.clone", "net"},
    {"lxc.utsname", "x"},
    {"lxc.network.type", "veth"},
    {"lxc.network.0.type", "veth"},
    {"lxc.rootfs", "/x"},
    {"lxc.id_map", "u 0 100000 65536"},
    {"lxc.tty", "4"},
    {"lxc.pts", "1024"},
    {"lxc.aa_profile", "unconfined"},
    {"lxc.haltsignal", "SIGPWR"},
    {"lxc.limit.nofile", "1024"},
};

/* A config with most keys set, so that "unchanged" means something. */
static const char base_config[] = "# base config\n"
				  "lxc.uts.name = base\n"
				  "lxc.rootfs.path = dir:/var/lib/lxc/base/rootfs\n"
				  "lxc.arch = x86_64\n"
				  "lxc.net.0.type = veth\n"
				  "lxc.net.0.link = lxcbr0\n"
				  "lxc.net.0.flags = up\n"
				  "lxc.net.0.hwaddr = 00:16:3e:12:34:56\n"
				  "lxc.net.0.mtu = 1500\n"
				  "lxc.net.0.ipv4.address = 10.0.3.2/24\n"
				  "lxc.net.0.ipv4.gateway = auto\n"
				  "lxc.net.0.veth.mode = bridge\n"
				  "lxc.net.0.vlan.id = 10\n"
				  "lxc.net.0.macvlan.mode = vepa\n"
				  "lxc.idmap = u 0 100000 65536\n"
				  "lxc.idmap = g 0 100000 65536\n"
				  "lxc.mount.auto = proc:mixed sys:mixed cgroup:mixed\n"
				  "lxc.mount.entry = /a b none bind 0 0\n"
				  "lxc.cgroup.memory.limit_in_bytes = 1G\n"
				  "lxc.cgroup2.memory.max = 1G\n"
				  "lxc.cap.drop = sys_module\n"
				  "lxc.cap.keep = sys_admin\n"
				  "lxc.apparmor.allow_nesting = 1\n"
				  "lxc.no_new_privs = 1\n"
				  "lxc.tty.max = 2\n"
				  "lxc.tty.dir = lxc\n"
				  "lxc.pty.max = 10\n"
				  "lxc.console.buffer.size = 4096\n"
				  "lxc.console.size = 4096\n"
				  "lxc.console.rotate = 1\n"
				  "lxc.environment = A=1\n"
				  "lxc.init.uid = 5\n"
				  "lxc.init.gid = 6\n"
				  "lxc.init.cwd = /\n"
				  "lxc.start.auto = 1\n"
				  "lxc.start.delay = 3\n"
				  "lxc.start.order = 2\n"
				  "lxc.hook.start = /x\n"
				  "lxc.hook.version = 1\n"
				  "lxc.autodev = 1\n"
				  "lxc.log.level = info\n"
				  "lxc.signal.halt = SIGTERM\n"
				  "lxc.signal.stop = SIGTERM\n"
				  "lxc.signal.reboot = SIGTERM\n"
				  "lxc.prlimit.nofile = 10:20\n"
				  "lxc.sysctl.net.ipv4.ip_forward = 1\n"
				  "lxc.ephemeral = 1\n";

static void test_bad_one(void **state)
{
	const struct bad *t = *state;
	_cleanup_(cove_conf_freep) struct cove_conf *c = cove_conf_new();
	_cleanup_free_ char *before = NULL, *after = NULL, *vb = NULL, *va = NULL;
	struct cove_error err = {};
	int r;

	assert_int_equal(cove_conf_load_string(c, "base.conf", base_config, &err), 0);
	before = write_string(c);
	vb = get_value(c, t->key);

	r = cove_conf_set(c, t->key, t->value, &err);
	assert_int_equal(r, -EINVAL);
	assert_int_equal(err.code, -EINVAL);
	assert_non_null(strstr(err.msg, "'"));
	assert_int_equal(cove_conf_set_item(c, t->key, t->value, NULL), -EINVAL);

	after = write_string(c);
	assert_string_equal(before, after);
	va = get_value(c, t->key);
	if (vb)
		assert_string_equal(vb, va);
	else
		assert_null(va);

	/* and in a file, the same value fails the load */
	if (!string_has_cc(t->value)) {
		_cleanup_(cove_conf_freep) struct cove_conf *d = cove_conf_new();
		_cleanup_free_ char *text = xasprintf("# x\n%s = %s\n", t->key, t->value);

		r = cove_conf_load_string(d, "bad.conf", text, &err);
		assert_int_equal(r, -EINVAL);
		assert_non_null(startswith(err.msg, "bad.conf:2: "));
	}
}

/* ---- error messages ---- */

static void test_error_messages(void **state)
{
	_cleanup_(cove_conf_freep) struct cove_conf *c = cove_conf_new();
	struct cove_error err = {};

	assert_int_equal(cove_conf_load_string(c, "/x/config", "# c\n\nlxc.tty.max = four\n", &err),
			 -EINVAL);
	assert_string_equal(err.msg, "/x/config:3: Invalid value 'four' for key 'lxc.tty.max': "
				     "expected a non-negative number");

	assert_int_equal(cove_conf_load_string(c, "f", "lxc.bogus = 1\n", &err), -EINVAL);
	assert_string_equal(err.msg, "f:1: Unknown configuration key 'lxc.bogus'");

	assert_int_equal(cove_conf_load_string(c, "f", "\n lxc.utsname = a\n", &err), -EINVAL);
	assert_non_null(startswith(err.msg, "f:2: "));
	assert_non_null(strstr(err.msg, "'lxc.utsname'"));
	assert_non_null(strstr(err.msg, "'lxc.uts.name'"));

	assert_int_equal(cove_conf_load_string(c, "f", "lxc.network.0.type = veth\n", &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "lxc.net.N"));

	assert_int_equal(cove_conf_load_string(c, "f", "lxc.uts.name\n", &err), -EINVAL);
	assert_non_null(startswith(err.msg, "f:1: Invalid configuration line"));

	assert_int_equal(cove_conf_load_string(c, "f", "hello world\n", &err), -EINVAL);
	assert_int_equal(cove_conf_load_string(c, "f", "foo = bar\n", &err), -EINVAL);
	assert_string_equal(err.msg, "f:1: Unknown configuration key 'foo'");

	assert_int_equal(cove_conf_load_string(c, "f", "lxc.uts.name = a\x01\n", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "control character"));

	assert_int_equal(cove_conf_load(c, "/nonexistent/cove/config", &err), -ENOENT);
	assert_non_null(strstr(err.msg, "/nonexistent/cove/config"));
}

/* ---- line syntax as LXC reads it ---- */

static void test_syntax(void **state)
{
	_cleanup_(cove_conf_freep) struct cove_conf *c = cove_conf_new();
	_cleanup_free_ char *v = NULL;
	struct cove_error err = {};

	assert_int_equal(cove_conf_load_string(c, "s",
					       "   # indented comment\n"
					       "\t\n"
					       "lxc.uts.name=tight\r\n"
					       "  lxc.init.cmd   =   \"/sbin/init quiet\"   \n"
					       "lxc.environment = 'A=1'\n"
					       "lxc.group = \"x'\n"
					       "lxc.cgroup2.cpu.max = 50000 100000  # 50%\n"
					       "lxc.log.file=",
					       &err),
			 0);
	assert_string_equal(c->utsname, "tight");
	assert_string_equal(c->init_cmd, "/sbin/init quiet");
	assert_string_equal(c->environment[0], "A=1");
	assert_string_equal(c->groups[0], "\"x'");
	/* like LXC, no trailing comments: the text after '#' is part of the value */
	assert_string_equal(c->cgroup2[0].value, "50000 100000  # 50%");
	assert_null(c->log_file);
	assert_int_equal(c->n_lines, 8);
	assert_null(c->lines[0].key);
	assert_string_equal(c->lines[0].text, "   # indented comment");
	v = write_string(c);
	assert_string_equal(v, "   # indented comment\n"
			       "\t\n"
			       "lxc.uts.name = tight\n"
			       "lxc.init.cmd = /sbin/init quiet\n"
			       "lxc.environment = A=1\n"
			       "lxc.group = \"x'\n"
			       "lxc.cgroup2.cpu.max = 50000 100000  # 50%\n"
			       "lxc.log.file =\n");
}

/* lxc.group is a blank-separated list, as in LXC; an empty value clears it. */
static void test_groups(void **state)
{
	_cleanup_(cove_conf_freep) struct cove_conf *c = cove_conf_new();
	struct cove_error err = {};

	assert_int_equal(cove_conf_load_string(c, "g",
					       "lxc.group = onboot  web\tdb\n"
					       "lxc.group = web,db\n"
					       "lxc.group = onboot\n",
					       &err),
			 0);
	assert_int_equal(strv_length(c->groups), 4);
	assert_string_equal(c->groups[0], "onboot");
	assert_string_equal(c->groups[1], "web");
	assert_string_equal(c->groups[2], "db");
	assert_string_equal(c->groups[3], "web,db");
	assert_int_equal(cove_conf_set(c, "lxc.group", "", &err), 0);
	assert_null(c->groups);
	assert_int_equal(cove_conf_set(c, "lxc.group", " \t ", &err), 0);
	assert_int_equal(strv_length(c->groups), 0);
}

/* ---- struct contents after parsing ---- */

static void test_struct_values(void **state)
{
	_cleanup_(cove_conf_freep) struct cove_conf *c = cove_conf_new();
	struct cove_error err = {};

	assert_int_equal(cove_conf_load_string(c, "b", base_config, &err), 0);
	assert_string_equal(c->utsname, "base");
	assert_string_equal(cove_conf_rootfs_dir(c), "/var/lib/lxc/base/rootfs");
	assert_int_equal(c->personality, PER_LINUX);
	assert_int_equal(c->n_nets, 1);
	assert_int_equal(c->nets[0].type, COVE_NET_VETH);
	assert_true(c->nets[0].flags_up);
	assert_string_equal(c->nets[0].link, "lxcbr0");
	assert_int_equal(c->nets[0].mtu, 1500);
	assert_true(c->nets[0].vlan_id_set);
	assert_int_equal(c->nets[0].vlan_id, 10);
	assert_int_equal(c->n_idmaps, 2);
	assert_int_equal(c->idmaps[1].type, 'g');
	assert_int_equal(c->idmaps[1].hostid, 100000);
	assert_true(cove_conf_is_unprivileged(c));
	assert_int_equal(c->mount_auto,
			 COVE_MOUNT_PROC_MIXED | COVE_MOUNT_SYS_MIXED | COVE_MOUNT_CGROUP_MIXED);
	assert_int_equal(c->n_mount_entries, 1);
	assert_string_equal(c->mount_entries[0].options, "bind");
	assert_int_equal(c->n_cgroup, 1);
	assert_string_equal(c->cgroup[0].key, "memory.limit_in_bytes");
	assert_string_equal(c->cgroup2[0].value, "1G");
	assert_string_equal(c->cap_drop[0], "sys_module");
	assert_int_equal(c->apparmor_allow_nesting, 1);
	assert_true(c->init_uid_set);
	assert_int_equal(c->init_uid, 5);
	assert_int_equal(c->start_order, 2);
	assert_string_equal(c->hooks[COVE_HOOK_START][0], "/x");
	assert_int_equal(c->log_level, LOG_INFO);
	assert_int_equal(cove_conf_signal_halt(c), SIGTERM);
	assert_int_equal(c->n_prlimits, 1);
	assert_int_equal(c->prlimits[0].resource, RLIMIT_NOFILE);
	assert_int_equal(c->prlimits[0].soft, 10);
	assert_int_equal(c->prlimits[0].hard, 20);
	assert_string_equal(c->sysctls[0].key, "net.ipv4.ip_forward");
	assert_true(c->ephemeral);
}

static void test_defaults(void **state)
{
	_cleanup_(cove_conf_freep) struct cove_conf *c = cove_conf_new();
	static const char *const empty_keys[] = {
	    "lxc.uts.name",
	    "lxc.rootfs.path",
	    "lxc.arch",
	    "lxc.net",
	    "lxc.net.0.type",
	    "lxc.idmap",
	    "lxc.mount.auto",
	    "lxc.mount.entry",
	    "lxc.cgroup",
	    "lxc.cgroup2",
	    "lxc.cgroup2.memory.max",
	    "lxc.cap.drop",
	    "lxc.environment",
	    "lxc.hook",
	    "lxc.hook.start",
	    "lxc.autodev",
	    "lxc.log.level",
	    "lxc.prlimit",
	    "lxc.sysctl",
	    "lxc.include",
	    "lxc.apparmor.allow_nesting",
	};
	char buf[64];

	for (size_t i = 0; i < ELEMENTSOF(empty_keys); i++) {
		assert_int_equal(cove_conf_get(c, empty_keys[i], buf, sizeof(buf), NULL), 0);
		assert_string_equal(buf, "");
	}
	assert_int_equal(cove_conf_get(c, "lxc.tty.max", buf, sizeof(buf), NULL), 1);
	assert_string_equal(buf, "0");
	assert_int_equal(cove_conf_get(c, "lxc.rootfs.managed", buf, sizeof(buf), NULL), 1);
	assert_string_equal(buf, "1");
	assert_int_equal(cove_conf_get(c, "lxc.bogus", buf, sizeof(buf), NULL), -ENOENT);
	assert_int_equal(cove_conf_get(c, "lxc.utsname", buf, sizeof(buf), NULL), -ENOENT);
	assert_int_equal(cove_conf_get(c, "lxc.prlimit.bogus", buf, sizeof(buf), NULL), -ENOENT);
	assert_int_equal(cove_conf_get(c, "lxc.hook.bogus", buf, sizeof(buf), NULL), -ENOENT);
	assert_int_equal(cove_conf_get(c, "lxc.net.0.bogus", buf, sizeof(buf), NULL), -ENOENT);
	assert_int_equal(cove_conf_get(c, "lxc.net.x", buf, sizeof(buf), NULL), -ENOENT);
	assert_null(cove_conf_rootfs_dir(c));
	assert_int_equal(cove_conf_signal_halt(c), SIGPWR);
	assert_int_equal(cove_conf_signal_stop(c), SIGKILL);
	assert_int_equal(cove_conf_signal_reboot(c), SIGINT);
	assert_false(cove_conf_is_unprivileged(c));
	assert_int_equal(c->personality, 0xffffffffUL);
	assert_int_equal(c->autodev, -1);
	assert_int_equal(c->log_level, -1);
	assert_true(c->rootfs_managed);
	assert_int_equal(cove_conf_check(c, NULL), 0);
}

static void test_get_truncates(void **state)
{
	_cleanup_(cove_conf_freep) struct cove_conf *c = cove_conf_new();
	char buf[4];

	assert_int_equal(cove_conf_set(c, "lxc.uts.name", "abcdefgh", NULL), 0);
	assert_int_equal(cove_conf_get(c, "lxc.uts.name", buf, sizeof(buf), NULL), 8);
	assert_string_equal(buf, "abc");
	assert_int_equal(cove_conf_get(c, "lxc.uts.name", NULL, 0, NULL), 8);
}

static void test_multi_values(void **state)
{
	_cleanup_(cove_conf_freep) struct cove_conf *c = cove_conf_new();
	_cleanup_free_ char *v = NULL;
	struct cove_error err = {};

	assert_int_equal(cove_conf_load_string(c, "m",
					       "lxc.net.1.type = veth\n"
					       "lxc.net.0.type = empty\n"
					       "lxc.net.1.ipv4.address = 10.0.0.1/24\n"
					       "lxc.net.1.ipv4.address = 10.0.0.2/24\n"
					       "lxc.environment = A=1\n"
					       "lxc.environment = B=2\n"
					       "lxc.cap.drop = sys_admin\n"
					       "lxc.cap.drop = sys_time sys_admin\n"
					       "lxc.prlimit.nofile = 1\n"
					       "lxc.prlimit.nofile = 2\n"
					       "lxc.sysctl.a.b = 1\n"
					       "lxc.sysctl.a.b = 2\n"
					       "lxc.cgroup.devices.allow = a\n"
					       "lxc.cgroup.devices.allow = b\n"
					       "lxc.mount.auto = proc:rw sys:ro\n"
					       "lxc.mount.auto = proc:mixed\n",
					       &err),
			 0);
	assert_int_equal(c->n_nets, 2);
	assert_int_equal(c->nets[0].index, 0);
	assert_int_equal(c->nets[1].index, 1);
	v = get_value(c, "lxc.net");
	assert_string_equal(v, "empty\nveth");
	free(v);
	v = get_value(c, "lxc.net.1.ipv4.address");
	assert_string_equal(v, "10.0.0.1/24\n10.0.0.2/24");
	free(v);
	v = get_value(c, "lxc.environment");
	assert_string_equal(v, "A=1\nB=2");
	free(v);
	v = get_value(c, "lxc.cap.drop");
	assert_string_equal(v, "sys_admin sys_time");
	free(v);
	v = get_value(c, "lxc.prlimit.nofile");
	assert_string_equal(v, "2");
	free(v);
	v = get_value(c, "lxc.prlimit");
	assert_string_equal(v, "lxc.prlimit.nofile = 2");
	free(v);
	v = get_value(c, "lxc.sysctl.a.b");
	assert_string_equal(v, "2");
	free(v);
	v = get_value(c, "lxc.cgroup.devices.allow");
	assert_string_equal(v, "a\nb");
	free(v);
	v = get_value(c, "lxc.mount.auto");
	assert_string_equal(v, "proc:mixed sys:ro");
	free(v);

	/* empty values clear: one sub key, one interface, everything */
	assert_int_equal(cove_conf_set(c, "lxc.cgroup.devices.allow", "", NULL), 0);
	assert_int_equal(c->n_cgroup, 0);
	assert_int_equal(cove_conf_set(c, "lxc.net.1.ipv4.address", "", NULL), 0);
	assert_null(c->nets[1].ipv4_addresses);
	assert_int_equal(cove_conf_set(c, "lxc.net.0", "", NULL), 0);
	assert_int_equal(c->n_nets, 1);
	assert_int_equal(c->nets[0].index, 1);
	assert_int_equal(cove_conf_set(c, "lxc.net", "", NULL), 0);
	assert_int_equal(c->n_nets, 0);
	assert_int_equal(cove_conf_set(c, "lxc.environment", "", NULL), 0);
	assert_null(c->environment);
	assert_int_equal(cove_conf_set(c, "lxc.cap.keep", "none", NULL), 0);
	assert_int_equal(cove_conf_set(c, "lxc.cap.keep", "sys_admin", NULL), 0);
	v = get_value(c, "lxc.cap.keep");
	assert_string_equal(v, "sys_admin");
}

static void test_mount_auto_flags(void **state)
{
	_cleanup_(cove_conf_freep) struct cove_conf *c = cove_conf_new();

	assert_int_equal(cove_conf_set(c, "lxc.mount.auto", "proc sys cgroup", NULL), 0);
	assert_int_equal(c->mount_auto, COVE_MOUNT_PROC_MIXED | COVE_MOUNT_SYS_MIXED |
					    COVE_MOUNT_CGROUP_MIXED | COVE_MOUNT_CGROUP_NOSPEC);
	assert_int_equal(cove_conf_set(c, "lxc.mount.auto", "cgroup-full:ro:force proc:rw", NULL),
			 0);
	assert_int_equal(c->mount_auto, COVE_MOUNT_PROC_RW | COVE_MOUNT_SYS_MIXED |
					    COVE_MOUNT_CGROUP_FULL_RO | COVE_MOUNT_CGROUP_FORCE);
	assert_int_equal(cove_conf_set(c, "lxc.mount.auto", "cgroup-full shmounts:/a", NULL), 0);
	assert_int_equal(c->mount_auto, COVE_MOUNT_PROC_RW | COVE_MOUNT_SYS_MIXED |
					    COVE_MOUNT_CGROUP_FULL_MIXED |
					    COVE_MOUNT_CGROUP_FULL_NOSPEC | COVE_MOUNT_SHMOUNTS);
	assert_string_equal(c->shmounts_host, "/a");
	assert_string_equal(c->shmounts_container, "/dev/.lxc-mounts");
	assert_int_equal(cove_conf_set(c, "lxc.mount.auto", "", NULL), 0);
	assert_int_equal(c->mount_auto, 0);
	assert_null(c->shmounts_host);
}

/* ---- set_item, clear, save ---- */

static void test_set_item(void **state)
{
	_cleanup_(cove_conf_freep) struct cove_conf *c = cove_conf_new();
	_cleanup_free_ char *v = NULL;
	struct cove_error err = {};

	assert_int_equal(cove_conf_load_string(c, "x",
					       "# head\n"
					       "lxc.uts.name = old\n"
					       "lxc.environment = A=1\n"
					       "# middle\n"
					       "lxc.uts.name = older\n"
					       "lxc.environment = B=1\n"
					       "lxc.net.0.type = veth\n"
					       "lxc.net.0.link = br0\n"
					       "lxc.cgroup.dir = d\n"
					       "lxc.cgroup.devices.deny = a\n"
					       "# tail\n",
					       &err),
			 0);
	assert_int_equal(cove_conf_set_item(c, "lxc.uts.name", "new", &err), 0);
	assert_int_equal(cove_conf_set_item(c, "lxc.environment", "C=3", &err), 0);
	assert_int_equal(cove_conf_set_item(c, "lxc.rootfs.path", "dir:/r", &err), 0);
	assert_string_equal(c->utsname, "new");
	assert_int_equal(strv_length(c->environment), 1);
	v = write_string(c);
	assert_string_equal(v, "# head\n"
			       "lxc.uts.name = new\n"
			       "lxc.environment = C=3\n"
			       "# middle\n"
			       "lxc.net.0.type = veth\n"
			       "lxc.net.0.link = br0\n"
			       "lxc.cgroup.dir = d\n"
			       "lxc.cgroup.devices.deny = a\n"
			       "# tail\n"
			       "lxc.rootfs.path = dir:/r\n");
	free(v);

	/* clear removes the value and its lines; groups clear their members */
	assert_int_equal(cove_conf_clear(c, "lxc.net.0", &err), 0);
	assert_int_equal(c->n_nets, 0);
	assert_int_equal(cove_conf_clear(c, "lxc.cgroup", &err), 0);
	assert_int_equal(c->n_cgroup, 0);
	assert_string_equal(c->cgroup_dir, "d");
	assert_int_equal(cove_conf_clear(c, "lxc.uts.name", &err), 0);
	assert_null(c->utsname);
	assert_int_equal(cove_conf_clear(c, "lxc.bogus", &err), -ENOENT);
	v = write_string(c);
	assert_string_equal(v, "# head\n"
			       "lxc.environment = C=3\n"
			       "# middle\n"
			       "lxc.cgroup.dir = d\n"
			       "# tail\n"
			       "lxc.rootfs.path = dir:/r\n");
	/* set_item with an empty value clears */
	assert_int_equal(cove_conf_set_item(c, "lxc.environment", "", &err), 0);
	assert_null(c->environment);
}

static void test_save_load(void **state)
{
	char dir[] = "/tmp/test-conf-XXXXXX";
	_cleanup_free_ char *path = NULL, *text = NULL, *again = NULL;
	_cleanup_(cove_conf_freep) struct cove_conf *c = cove_conf_new();
	_cleanup_(cove_conf_freep) struct cove_conf *d = cove_conf_new();
	struct cove_error err = {};

	assert_non_null(mkdtemp(dir));
	path = path_join(dir, "config");
	assert_int_equal(cove_conf_load_string(c, "b", base_config, &err), 0);
	assert_int_equal(cove_conf_save(c, path, &err), 0);
	assert_int_equal(cove_conf_load(d, path, &err), 0);
	assert_string_equal(d->path, path);
	text = write_string(c);
	again = write_string(d);
	assert_string_equal(text, again);
	assert_string_equal(text, base_config);
	assert_int_equal(rm_rf(dir), 0);
}

/* ---- includes ---- */

static void put(const char *dir, const char *name, const char *text)
{
	_cleanup_free_ char *p = path_join(dir, name);

	assert_int_equal(write_file_atomic(p, text, strlen(text), 0644), 0);
}

static void test_includes(void **state)
{
	char dir[] = "/tmp/test-conf-XXXXXX";
	_cleanup_free_ char *top = NULL, *v = NULL, *sub = NULL;
	_cleanup_(cove_conf_freep) struct cove_conf *c = cove_conf_new();
	struct cove_error err = {};

	assert_non_null(mkdtemp(dir));
	sub = path_join(dir, "d.conf.d");
	assert_int_equal(mkdir_p(sub, 0755), 0);
	put(dir, "common.conf", "lxc.tty.max = 4\nlxc.include = d.conf.d\n");
	put(sub, "20-b.conf", "lxc.uts.name = b\nlxc.environment = B=1\n");
	put(sub, "10-a.conf", "lxc.uts.name = a\nlxc.environment = A=1\n");
	put(sub, "README", "not a config\n");
	put(sub, ".conf", "lxc.bogus = 1\n");
	put(dir, "config",
	    "# top\nlxc.include = common.conf\nlxc.include = nothere.d/\nlxc.tty.max = 6\n");
	top = path_join(dir, "config");

	assert_int_equal(cove_conf_load(c, top, &err), 0);
	assert_int_equal(c->tty_max, 6);
	assert_string_equal(c->utsname, "b"); /* sorted: 10-a then 20-b */
	v = get_value(c, "lxc.environment");
	assert_string_equal(v, "A=1\nB=1");
	free(v);
	/* includes are recorded as lines, not expanded */
	v = write_string(c);
	assert_string_equal(v, "# top\nlxc.include = common.conf\nlxc.include = nothere.d/\n"
			       "lxc.tty.max = 6\n");
	free(v);
	v = get_value(c, "lxc.include");
	assert_string_equal(v, "common.conf\nnothere.d/");

	/* an error inside an included file names that file and line */
	put(sub, "30-c.conf", "# c\nlxc.tty.max = x\n");
	assert_int_equal(cove_conf_load(c, top, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "30-c.conf:2: Invalid value 'x' for key 'lxc.tty.max'"));
	assert_null(strstr(err.msg, "config:"));
	free(v);
	v = path_join(sub, "30-c.conf");
	assert_int_equal(unlink(v), 0);

	/* a missing file is an error */
	put(dir, "config2", "lxc.include = missing.conf\n");
	free(top);
	top = path_join(dir, "config2");
	assert_int_equal(cove_conf_load(c, top, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "config2:1: "));
	assert_non_null(strstr(err.msg, "missing.conf"));

	/* loops: a file including itself, and a cycle through a directory */
	put(dir, "self.conf", "lxc.include = self.conf\n");
	free(top);
	top = path_join(dir, "self.conf");
	assert_int_equal(cove_conf_load(c, top, &err), -ELOOP);
	put(sub, "40-loop.conf", "lxc.include = ../common.conf\n");
	free(top);
	top = path_join(dir, "config");
	assert_int_equal(cove_conf_load(c, top, &err), -ELOOP);
	assert_non_null(strstr(err.msg, "loop"));

	/* the same file twice (not nested) is fine */
	free(v);
	v = path_join(sub, "40-loop.conf");
	assert_int_equal(unlink(v), 0);
	put(dir, "twice", "lxc.include = common.conf\nlxc.include = common.conf\n");
	free(top);
	top = path_join(dir, "twice");
	assert_int_equal(cove_conf_load(c, top, &err), 0);

	/* cove_conf_set(lxc.include) resolves relative to the loaded file */
	assert_int_equal(cove_conf_set(c, "lxc.include", "common.conf", &err), 0);
	assert_int_equal(rm_rf(dir), 0);
}

/* Debian's lxc package: every shipped config, and a container config including them. */
static void test_system_configs(void **state)
{
	_cleanup_(cove_conf_freep) struct cove_conf *top = cove_conf_new();
	struct cove_error err = {};
	glob_t g = {};

	if (glob("/usr/share/lxc/config/*.conf", 0, NULL, &g) != 0 || g.gl_pathc == 0) {
		globfree(&g);
		skip();
	}
	for (size_t i = 0; i < g.gl_pathc; i++) {
		_cleanup_(cove_conf_freep) struct cove_conf *c = cove_conf_new();

		if (cove_conf_load(c, g.gl_pathv[i], &err) < 0)
			fail_msg("%s: %s", g.gl_pathv[i], err.msg);
		if (cove_conf_check(c, &err) < 0)
			fail_msg("%s: %s", g.gl_pathv[i], err.msg);
	}
	globfree(&g);
	if (access("/etc/lxc/default.conf", R_OK) == 0) {
		assert_int_equal(cove_conf_load(top, "/etc/lxc/default.conf", &err), 0);
		assert_int_equal(cove_conf_check(top, &err), 0);
	}
	if (access("/usr/share/lxc/config/debian.common.conf", R_OK) == 0) {
		const char *text = "lxc.include = /usr/share/lxc/config/debian.common.conf\n"
				   "lxc.include = /usr/share/lxc/config/debian.userns.conf\n"
				   "lxc.arch = amd64\n"
				   "lxc.idmap = u 0 100000 65536\n"
				   "lxc.idmap = g 0 100000 65536\n"
				   "lxc.rootfs.path = dir:/var/lib/lxc/deb/rootfs\n"
				   "lxc.uts.name = deb\n";

		if (cove_conf_load_string(top, "/var/lib/lxc/deb/config", text, &err) < 0)
			fail_msg("%s", err.msg);
		assert_int_equal(cove_conf_check(top, &err), 0);
		assert_string_equal(top->tty_dir ?: "", ""); /* userns.conf clears it */
		assert_non_null(top->seccomp_profile);
		assert_int_equal(top->mount_auto & COVE_MOUNT_SYS_RW, COVE_MOUNT_SYS_RW);
	}
}

/* ---- cross-key checks ---- */

static void check_fails(const char *text, int code, const char *needle)
{
	_cleanup_(cove_conf_freep) struct cove_conf *c = cove_conf_new();
	struct cove_error err = {};

	assert_int_equal(cove_conf_load_string(c, "chk", text, &err), 0);
	assert_int_equal(cove_conf_check(c, &err), code);
	if (needle && !strstr(err.msg, needle))
		fail_msg("'%s' not in '%s'", needle, err.msg);
}

static void test_check(void **state)
{
	check_fails("lxc.net.0.type = veth\nlxc.net.1.link = br0\n", -EINVAL, "lxc.net.1.type");
	check_fails("lxc.net.0.type = macvlan\n", -EINVAL, "lxc.net.0.link");
	check_fails("lxc.net.0.type = vlan\nlxc.net.0.link = eth0\n", -EINVAL, "vlan.id");
	check_fails("lxc.net.0.type = vlan\nlxc.net.0.link = eth0\nlxc.net.0.vlan.id = 5\n", 0,
		    NULL);
	check_fails("lxc.net.0.type = veth\nlxc.net.0.name = eth0\n"
		    "lxc.net.1.type = veth\nlxc.net.1.name = eth0\n",
		    -EINVAL, "eth0");
	check_fails("lxc.idmap = u 0 100000 65536\n", -EINVAL, "group");
	check_fails("lxc.idmap = g 0 100000 65536\n", -EINVAL, "user");
	check_fails("lxc.idmap = u 1 100000 65536\nlxc.idmap = g 0 100000 65536\n", -EINVAL,
		    "lxc.idmap");
	check_fails("lxc.idmap = u 0 100000 65536\nlxc.idmap = g 0 100000 65536\n"
		    "lxc.idmap = u 1000 1000 1\n",
		    -EINVAL, "Overlapping");
	check_fails("lxc.idmap = u 0 100000 1000\nlxc.idmap = u 1000 100500 10\n"
		    "lxc.idmap = g 0 100000 65536\n",
		    -EINVAL, "Overlapping");
	check_fails("lxc.idmap = u 0 100000 1000\nlxc.idmap = u 1000 1000 1\n"
		    "lxc.idmap = u 1001 101001 64535\nlxc.idmap = g 0 100000 65536\n",
		    0, NULL);
	check_fails("lxc.cap.drop = sys_admin\nlxc.cap.keep = net_raw\n", -EINVAL, "lxc.cap.keep");
}

/* ---- golden files ---- */

static const char *const dump_keys[] = {
    "lxc.uts.name",
    "lxc.rootfs.path",
    "lxc.rootfs.mount",
    "lxc.rootfs.options",
    "lxc.rootfs.managed",
    "lxc.arch",
    "lxc.net",
    "lxc.idmap",
    "lxc.mount.auto",
    "lxc.mount.entry",
    "lxc.mount.fstab",
    "lxc.cgroup.dir",
    "lxc.cgroup",
    "lxc.cgroup2",
    "lxc.cap.drop",
    "lxc.cap.keep",
    "lxc.seccomp.profile",
    "lxc.apparmor.profile",
    "lxc.apparmor.allow_nesting",
    "lxc.no_new_privs",
    "lxc.tty.max",
    "lxc.tty.dir",
    "lxc.pty.max",
    "lxc.console.path",
    "lxc.console.logfile",
    "lxc.console.buffer.size",
    "lxc.console.size",
    "lxc.console.rotate",
    "lxc.environment",
    "lxc.init.cmd",
    "lxc.init.uid",
    "lxc.init.gid",
    "lxc.init.cwd",
    "lxc.start.auto",
    "lxc.start.delay",
    "lxc.start.order",
    "lxc.group",
    "lxc.hook",
    "lxc.hook.version",
    "lxc.autodev",
    "lxc.log.file",
    "lxc.log.level",
    "lxc.signal.halt",
    "lxc.signal.stop",
    "lxc.signal.reboot",
    "lxc.prlimit",
    "lxc.sysctl",
    "lxc.ephemeral",
};

static const char *const net_subkeys[] = {
    "type",
    "flags",
    "link",
    "name",
    "hwaddr",
    "mtu",
    "ipv4.address",
    "ipv4.gateway",
    "ipv6.address",
    "ipv6.gateway",
    "veth.pair",
    "veth.mode",
    "veth.ipv4.route",
    "veth.ipv6.route",
    "macvlan.mode",
    "vlan.id",
    "script.up",
    "script.down",
};

static void dump_key(FILE *f, const struct cove_conf *c, const char *key)
{
	_cleanup_free_ char *v = get_value(c, key);

	assert_non_null(v);
	if (*v)
		fprintf(f, "%s: %s\n", key, v);
}

/* The written config, then every non-empty value as cove_conf_get gives it. */
static char *golden_output(const struct cove_conf *c)
{
	_cleanup_free_ char *w = write_string(c);
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	fputs(w, f);
	fputs("#### values\n", f);
	for (size_t i = 0; i < ELEMENTSOF(dump_keys); i++)
		dump_key(f, c, dump_keys[i]);
	for (size_t i = 0; i < c->n_nets; i++)
		for (size_t j = 0; j < ELEMENTSOF(net_subkeys); j++) {
			_cleanup_free_ char *k =
			    xasprintf("lxc.net.%u.%s", c->nets[i].index, net_subkeys[j]);

			dump_key(f, c, k);
		}
	assert_int_equal(fclose(f), 0);
	return s;
}

static const char *const golden_files[] = {
    "tutorial-container", "tutorial-default", "tutorial-limits", "all-keys", "syntax",
};

static void test_golden_one(void **state)
{
	const char *name = *state;
	_cleanup_free_ char *in = xasprintf("%s/conf/%s.conf", TEST_DATA_DIR, name);
	_cleanup_free_ char *exp = xasprintf("%s/conf/%s.expected", TEST_DATA_DIR, name);
	_cleanup_free_ char *out = NULL, *want = NULL, *w = NULL, *out2 = NULL;
	_cleanup_(cove_conf_freep) struct cove_conf *c = cove_conf_new();
	_cleanup_(cove_conf_freep) struct cove_conf *d = cove_conf_new();
	struct cove_error err = {};
	size_t len;

	if (cove_conf_load(c, in, &err) < 0)
		fail_msg("%s", err.msg);
	if (cove_conf_check(c, &err) < 0)
		fail_msg("%s", err.msg);
	out = golden_output(c);
	if (getenv("COVE_UPDATE_GOLDEN"))
		assert_int_equal(write_file_atomic(exp, out, strlen(out), 0644), 0);
	assert_int_equal(read_full_file(exp, 1 << 20, &want, &len), 0);
	assert_string_equal(out, want);

	/* writing and reading again gives the same */
	w = write_string(c);
	assert_int_equal(cove_conf_load_string(d, in, w, &err), 0);
	out2 = golden_output(d);
	assert_string_equal(out, out2);
}

/* ---- tables ---- */

static void test_tables(void **state)
{
	for (int i = 0; i < _COVE_NET_TYPE_MAX; i++) {
		const char *s = cove_net_type_to_string(i);

		assert_non_null(s);
		assert_int_equal(cove_net_type_from_string(s), i);
	}
	assert_null(cove_net_type_to_string(-1));
	assert_null(cove_net_type_to_string(_COVE_NET_TYPE_MAX));
	assert_int_equal(cove_net_type_from_string("bogus"), -EINVAL);
	assert_int_equal(cove_net_type_from_string(NULL), -EINVAL);
	assert_string_equal(cove_net_type_to_string(COVE_NET_VETH), "veth");

	for (int i = 0; i < _COVE_HOOK_MAX; i++) {
		const char *s = cove_hook_to_string(i);

		assert_non_null(s);
		assert_int_equal(cove_hook_from_string(s), i);
	}
	assert_null(cove_hook_to_string(_COVE_HOOK_MAX));
	assert_int_equal(cove_hook_from_string("post_stop"), -EINVAL);
	assert_string_equal(cove_hook_to_string(COVE_HOOK_START_HOST), "start-host");

	assert_int_equal(cove_signal_from_string("SIGPWR"), SIGPWR);
	assert_int_equal(cove_signal_from_string("PWR"), SIGPWR);
	assert_int_equal(cove_signal_from_string("pwr"), SIGPWR);
	assert_int_equal(cove_signal_from_string("30"), 30);
	assert_int_equal(cove_signal_from_string("SIGRTMIN+3"), SIGRTMIN + 3);
	assert_int_equal(cove_signal_from_string("RTMIN"), SIGRTMIN);
	assert_int_equal(cove_signal_from_string("SIGRTMAX-1"), SIGRTMAX - 1);
	assert_int_equal(cove_signal_from_string("SIGKILL"), SIGKILL);
	assert_int_equal(cove_signal_from_string("SIGTERM"), SIGTERM);
	assert_int_equal(cove_signal_from_string("SIGINT"), SIGINT);
	assert_int_equal(cove_signal_from_string("SIGUSR1"), SIGUSR1);
	assert_int_equal(cove_signal_from_string("64"), 64);
	static const char *const bad[] = {"",		"0",	  "65",		 "SIG",
					  "SIGBOGUS",	"-1",	  "SIGRTMIN+31", "SIGRTMAX+1",
					  "SIGRTMIN-1", "RTMIN+", "SIGPWRX",	 "1x"};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		if (cove_signal_from_string(bad[i]) != -EINVAL)
			fail_msg("signal '%s' accepted", bad[i]);
	assert_int_equal(cove_signal_from_string(NULL), -EINVAL);
}

static char **test_names; /* owned: the generated names, freed at exit */

/* A TAP-safe test name: no control characters, no '#' (TAP directives). */
static char *test_name(const char *what, const char *key, const char *value)
{
	char *s = xasprintf("%s %s = %s", what, key, value);

	for (char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '#')
			*p = '?';
	strv_push(&test_names, s);
	return s;
}

static void add_test(struct CMUnitTest **t, size_t *n, const char *name, CMUnitTestFunction fn,
		     void *st)
{
	*t = xrealloc(*t, (*n + 1) * sizeof(**t));
	(*t)[(*n)++] = (struct CMUnitTest){.name = name, .test_func = fn, .initial_state = st};
}

int main(void)
{
	struct CMUnitTest *tests = NULL;
	size_t n = 0;
	int r;

	add_test(&tests, &n, "defaults", test_defaults, NULL);
	add_test(&tests, &n, "every_key_tested", test_every_key_tested, NULL);
	add_test(&tests, &n, "error_messages", test_error_messages, NULL);
	add_test(&tests, &n, "syntax", test_syntax, NULL);
	add_test(&tests, &n, "groups", test_groups, NULL);
	add_test(&tests, &n, "struct_values", test_struct_values, NULL);
	add_test(&tests, &n, "get_truncates", test_get_truncates, NULL);
	add_test(&tests, &n, "multi_values", test_multi_values, NULL);
	add_test(&tests, &n, "mount_auto_flags", test_mount_auto_flags, NULL);
	add_test(&tests, &n, "set_item_clear", test_set_item, NULL);
	add_test(&tests, &n, "save_load", test_save_load, NULL);
	add_test(&tests, &n, "includes", test_includes, NULL);
	add_test(&tests, &n, "system_configs", test_system_configs, NULL);
	add_test(&tests, &n, "check", test_check, NULL);
	add_test(&tests, &n, "tables", test_tables, NULL);
	for (size_t i = 0; i < ELEMENTSOF(golden_files); i++)
		add_test(&tests, &n, test_name("golden", golden_files[i], "expected"),
			 test_golden_one, (void *)golden_files[i]);
	for (size_t i = 0; i < ELEMENTSOF(roundtrips); i++)
		add_test(&tests, &n, test_name("roundtrip", roundtrips[i].key, roundtrips[i].value),
			 test_roundtrip_one, (void *)&roundtrips[i]);
	for (size_t i = 0; i < ELEMENTSOF(bads); i++)
		add_test(&tests, &n, test_name("bad", bads[i].key, bads[i].value), test_bad_one,
			 (void *)&bads[i]);
	r = _cmocka_run_group_tests("conf", tests, n, NULL, NULL);
	free(tests);
	strv_free(test_names);
	return r;
}
