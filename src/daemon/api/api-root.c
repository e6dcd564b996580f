/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * GET / and GET /1.0: the server description. api_extensions lists only
 * what coved implements: clients change the requests they send by it
 * (LXD-WIRE.md section 5).
 */
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "daemon.h"
#include "router.h"
#include "tls.h"
#include "util.h"

static const char *const api_extensions[] = {
	"storage",
	"storage_api_volume_rename",
	"storage_volume_state",
	"etag",
	"patch",
	"network",
	"container_exec_signal_handling",
	"container_exec_user_group_cwd",
	"instances",
	"api_filtering",
	"container_full",
	"instance_get_full",
	"cove_image_build",
	"directory_manipulation",
	"file_delete",
	"file_append",
	"file_symlinks",
	"console",
	"resources",
	"resources_v2",
	"resources_cpu_socket",
	"resources_system",
	"network_leases",
	"network_state",
	"instance_nic_network",
	"snapshot_expiry",
	"snapshot_expiry_creation",
	"container_backup",
	"backup_override_name",
	"snapshot_scheduling",
	"snapshot_schedule_aliases",
	"proxy",
	"proxy_unix",
	"proxy_udp",
	"proxy_tcp_udp_multi_port_handling",
	"proxy_unix_dac_properties",
	"proxy_haproxy_protocol",
	"proxy_nat",
	"network_acl",
};

static json_t *environment(void)
{
	struct utsname u;
	char host[256] = "";

	uname(&u);
	(void)gethostname(host, sizeof(host) - 1);
	return json_pack("{s:[], s:[s], s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:{}, s:s, s:s,"
			 " s:s, s:s, s:b, s:s, s:s, s:i, s:s, s:s, s:s, s:[{s:s, s:s, s:b}, {s:s, s:s, s:b}]}",
			 "addresses", "architectures", util_arch(), "certificate", "",
			 "certificate_fingerprint", "", "driver", "lxc", "driver_version",
			 COVE_VERSION, "firewall", "nftables", "kernel", u.sysname,
			 "kernel_architecture", u.machine, "kernel_version", u.release,
			 "kernel_features", "os_name", "Debian GNU/Linux", "os_version", "12",
			 "project", "default", "server", "lxd", "server_clustered", 0,
			 "server_event_mode", "full-mesh", "server_name", host, "server_pid",
			 (int)getpid(), "server_version", COVED_VERSION, "storage", "dir",
			 "storage_version", "1", "storage_supported_drivers", "Name", "dir",
			 "Version", "1", "Remote", 0, "Name", "btrfs", "Version", "1", "Remote", 0);
}

static void get_root(struct request *req, char **params)
{
	reply_sync(req, json_pack("[s]", "/1.0"));
}

/* the server certificate and listen address, made at first need (tls.h) */
static void environment_tls(json_t *env, json_t *config)
{
	_cleanup_free_ char *pem = NULL, *fp = NULL;
	json_t *addr = json_object_get(config, "core.https_address");

	if (tls_server_cert(&pem, &fp, NULL) == 0) {
		json_object_set_new(env, "certificate", json_string(pem));
		json_object_set_new(env, "certificate_fingerprint", json_string(fp));
	}
	if (json_is_string(addr))
		json_array_append(json_object_get(env, "addresses"), addr);
}

static void get_server(struct request *req, char **params)
{
	json_t *ext = json_array(), *config, *env;

	for (size_t i = 0; i < ELEMENTSOF(api_extensions); i++)
		json_array_append_new(ext, json_string(api_extensions[i]));
	config = req->untrusted ? json_object() : api_server_config();
	env = req->untrusted ? json_object() : environment();
	if (!req->untrusted)
		environment_tls(env, config);
	reply_sync_etag(req,
			json_pack("{s:o, s:o, s:s, s:s, s:s, s:b, s:[s], s:o}", "config", config,
				  "api_extensions", ext, "api_status", "stable", "api_version",
				  "1.0", "auth", req->untrusted ? "untrusted" : "trusted", "public", 0,
				  "auth_methods", "tls", "environment", env),
			NULL);
}

const struct route api_root_routes[] = {
	{ HTTP_GET, "/", get_root },
	{ HTTP_GET, "/1.0", get_server },
	{ 0, NULL, NULL },
};
