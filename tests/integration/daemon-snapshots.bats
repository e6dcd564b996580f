#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Snapshots, copies, publish and backups (export/import) through coved:
# the tutorial's "Snapshots et migration" and "Sauvegarde et restauration"
# with `cove`, and the API's answers to bad input.

load daemon-helpers

COVE=$COVE_BUILD_DIR/src/client/cove

setup() {
	daemon_setup
	[ -x "$COVE" ] || skip "the cove client is not built"
	daemon_init_image
}

# no hidden work files left in the instance and image stores
assert_no_leftovers() {
	run sh -c "ls -A '$LXCPATH' | grep '^\\.'; ls -A '$COVE_DIR/images' | grep '^\\.'; find '$LXCPATH' -maxdepth 3 -name '.new.*' -o -maxdepth 3 -name '*.tmp'"
	assert_output ""
}

@test "snapshot of a running instance: list, info, restore brings a file back, delete" {
	local n=$(ct a)
	launch "$n"
	"$COVE" exec "$n" -- sh -c 'echo before >/root/f'
	run "$COVE" snapshot "$n"
	assert_success
	run "$COVE" snapshot "$n" second
	assert_success
	run "$COVE" list -f csv -c nsS "$n"
	assert_output "$n,RUNNING,2"
	run "$COVE" info "$n"
	assert_line --regexp '^\| snap0 +\| [0-9/]+ [0-9:]+ UTC \| +\| NO +\|$'
	assert_line --regexp '^\| second +\| [0-9/]+ [0-9:]+ UTC \| +\| NO +\|$'
	run api GET "/1.0/instances/$n/snapshots"
	[ "$(jq -r '.metadata | join(",")' <<<"$output")" = "/1.0/instances/$n/snapshots/snap0,/1.0/instances/$n/snapshots/second" ]
	run api GET "/1.0/instances/$n/snapshots/snap0"
	[ "$(jq -r .metadata.name <<<"$output")" = snap0 ]
	[ "$(jq -r .metadata.stateful <<<"$output")" = false ]
	"$COVE" exec "$n" -- sh -c 'echo after >/root/f; echo new >/root/g'
	run "$COVE" restore "$n" snap0
	assert_success
	[ "$(status_of "$n")" = Running ]
	run "$COVE" exec "$n" -- cat /root/f
	assert_output before
	run "$COVE" exec "$n" -- ls /root
	refute_line g
	run "$COVE" delete "$n/snap0"
	assert_success
	run "$COVE" list -f csv -c S "$n"
	assert_output "1"
	run "$COVE" delete -f "$n"
	assert_success
	assert_no_leftovers
}

@test "snapshot of a stopped instance, rename, restore keeps the instance stopped" {
	local n=$(ct b) r
	launch "$n"
	"$COVE" exec "$n" -- sh -c 'echo one >/root/f'
	"$COVE" stop -f "$n"
	run "$COVE" snapshot "$n" s1
	assert_success
	run "$COVE" rename "$n/s1" "$n/renamed"
	assert_success
	run api GET "/1.0/instances/$n/snapshots/renamed"
	[ "$(jq -r .status_code <<<"$output")" = 200 ]
	# an expiry shows in cove info's EXPIRES AT column
	r=$(api PATCH "/1.0/instances/$n/snapshots/renamed" '{"expires_at":"2030-01-02T03:04:05Z"}')
	[ "$(api_wait "$r" | jq -r .status)" = Success ]
	run "$COVE" info "$n"
	assert_line --regexp '^\| renamed +\| [0-9/]+ [0-9:]+ UTC \| 2030/01/02 03:04 UTC \| NO +\|$'

	[ "$(api_code GET "/1.0/instances/$n/snapshots/s1")" = 404 ]
	"$COVE" start "$n"
	"$COVE" exec "$n" -- sh -c 'echo two >/root/f'
	"$COVE" stop -f "$n"
	run "$COVE" restore "$n" renamed
	assert_success
	[ "$(status_of "$n")" = Stopped ]
	[ "$(cat "$LXCPATH/$n/rootfs/root/f")" = one ]
}

@test "snapshot: expires_at and description by PATCH/PUT; the config comes back on restore" {
	local n=$(ct c) r
	launch "$n"
	"$COVE" config set "$n" user.k before
	"$COVE" snapshot "$n" s
	r=$(api PATCH "/1.0/instances/$n/snapshots/s" '{"expires_at":"2030-01-02T03:04:05Z","description":"hello"}')
	[ "$(api_wait "$r" | jq -r .status)" = Success ]
	run api GET "/1.0/instances/$n/snapshots/s"
	[ "$(jq -r .metadata.expires_at <<<"$output")" = 2030-01-02T03:04:05Z ]
	[ "$(jq -r .metadata.description <<<"$output")" = hello ]
	r=$(api PUT "/1.0/instances/$n/snapshots/s" '{"expires_at":"2031-01-01T00:00:00Z"}')
	[ "$(api_wait "$r" | jq -r .status)" = Success ]
	run api GET "/1.0/instances/$n/snapshots/s"
	[ "$(jq -r .metadata.expires_at <<<"$output")" = 2031-01-01T00:00:00Z ]
	[ "$(jq -r .metadata.description <<<"$output")" = "" ]
	[ "$(api_code PATCH "/1.0/instances/$n/snapshots/s" '{"expires_at":"tomorrow"}')" = 400 ]
	"$COVE" config set "$n" user.k after
	run "$COVE" restore "$n" s
	assert_success
	run "$COVE" config get "$n" user.k
	assert_output before
}

@test "snapshot: bad names, missing ones, stateful, taken names; nothing left behind" {
	local n=$(ct d)
	launch "$n"
	run "$COVE" snapshot "$n" s1
	assert_success
	run -1 "$COVE" snapshot "$n" s1
	assert_output --partial "already exists"
	run "$COVE" snapshot "$n" s1 --reuse
	assert_success
	run "$COVE" snapshot "$n" fresh --reuse
	assert_success
	run "$COVE" delete "$n/fresh"
	assert_success
	[ "$(api_code POST "/1.0/instances/$n/snapshots" '{"name":"a/b"}')" = 400 ]
	[ "$(api_code POST "/1.0/instances/$n/snapshots" '{"name":".."}')" = 400 ]
	[ "$(api_code POST "/1.0/instances/$n/snapshots" '{"name":5}')" = 400 ]
	[ "$(api_code POST "/1.0/instances/$n/snapshots" '{"name":"x","expires_at":"soon"}')" = 400 ]
	[ "$(api_code POST "/1.0/instances/nosuch/snapshots" '{"name":"x"}')" = 404 ]
	[ "$(api_code GET "/1.0/instances/$n/snapshots/nosuch")" = 404 ]
	[ "$(api_code DELETE "/1.0/instances/$n/snapshots/nosuch")" = 404 ]
	[ "$(api_code GET "/1.0/instances/$n/snapshots/..")" = 404 ]
	[ "$(api_code POST "/1.0/instances/$n/snapshots/s1" '{"name":"x/y"}')" = 400 ]
	run -1 "$COVE" snapshot "$n" st --stateful
	assert_output --partial "CRIU"
	run -1 "$COVE" restore "$n" nosuch
	assert_output "Error: Snapshot not found"
	run "$COVE" list -f csv -c S "$n"
	assert_output 1
	assert_no_leftovers
}

@test "snapshots.* keys are checked (cron syntax, expiry, pattern) and used" {
	local n=$(ct e)
	launch "$n"
	run "$COVE" config set "$n" snapshots.schedule "0 6 * * *"
	assert_success
	run "$COVE" config set "$n" snapshots.schedule.stopped true
	assert_success
	run "$COVE" config set "$n" snapshots.pattern "auto-%d"
	assert_success
	run "$COVE" config set "$n" snapshots.expiry 7d
	assert_success
	run "$COVE" config set "$n" snapshots.schedule "30 */2 1-15 * 1,3"
	assert_success
	run "$COVE" config set "$n" snapshots.schedule "@daily, @weekly"
	assert_success
	for bad in "0 6 * *" "61 * * * *" "* 25 * * *" "x * * * *" "@sometimes"; do
		run -1 "$COVE" config set "$n" snapshots.schedule "$bad"
		assert_output --partial "Invalid value"
	done
	run -1 "$COVE" config set "$n" snapshots.expiry "7 days"
	run -1 "$COVE" config set "$n" snapshots.schedule.stopped maybe
	run -1 "$COVE" config set "$n" snapshots.pattern "a/%d"
	run "$COVE" snapshot "$n"
	assert_success
	run api GET "/1.0/instances/$n/snapshots/auto-0"
	[ "$(jq -r .status_code <<<"$output")" = 200 ]
	# snapshots.expiry 7d: expires_at is a week away
	[ "$(jq -r .metadata.expires_at <<<"$output" | cut -c1-4)" -ge 2000 ]
	[ "$(jq -r .metadata.expires_at <<<"$output")" != 0001-01-01T00:00:00Z ]
}

@test "copy: independent of the original, with snapshots, from a snapshot, --instance-only" {
	local a=$(ct a) b=$(ct b) c=$(ct c) d=$(ct d) r
	launch "$a"
	"$COVE" exec "$a" -- sh -c 'echo orig >/root/f'
	"$COVE" snapshot "$a" s0
	"$COVE" config set "$a" user.k copied
	run "$COVE" copy "$a" "$b"
	assert_success
	run "$COVE" config get "$b" user.k
	assert_output copied
	run "$COVE" list -f csv -c nsS "$b"
	assert_output "$b,STOPPED,1"
	[ "$(api GET "/1.0/instances/$b" | jq -r '.metadata.config["volatile.uuid"]')" != \
	  "$(api GET "/1.0/instances/$a" | jq -r '.metadata.config["volatile.uuid"]')" ]
	run "$COVE" start "$b"
	assert_success
	"$COVE" exec "$b" -- sh -c 'echo changed >/root/f'
	run "$COVE" exec "$a" -- cat /root/f
	assert_output orig
	run "$COVE" exec "$b" -- hostname
	assert_output "$b"
	run "$COVE" copy "$a" "$c" --instance-only
	assert_success
	run "$COVE" list -f csv -c S "$c"
	assert_output 0
	"$COVE" exec "$a" -- sh -c 'echo later >/root/f'
	run "$COVE" copy "$a/s0" "$d"
	assert_success
	[ "$(cat "$LXCPATH/$d/rootfs/root/f")" = orig ]
	run -1 "$COVE" copy "$a" "$b"
	run -1 "$COVE" copy "$a/nosuch" "$(ct e)"
	assert_output "Error: Snapshot not found"
	run -1 "$COVE" copy nosuch "$(ct f)"
	run -1 "$COVE" copy "$a" "bad/name"
	# volatile keys a client copies along are reset (but volatile.base_image)
	r=$(api POST /1.0/instances "{\"name\":\"$(ct h)\",\"source\":{\"type\":\"copy\",\"source\":\"$a\"},\"config\":{\"volatile.eth0.hwaddr\":\"00:16:3e:00:00:01\",\"volatile.base_image\":\"abc\",\"user.x\":\"y\"}}")
	[ "$(api_wait "$r" | jq -r .status)" = Success ]
	run api GET "/1.0/instances/$(ct h)"
	[ "$(jq -r '.metadata.config["volatile.eth0.hwaddr"]' <<<"$output")" = null ]
	[ "$(jq -r '.metadata.config["volatile.base_image"]' <<<"$output")" = abc ]
	[ "$(jq -r '.metadata.config["user.x"]' <<<"$output")" = y ]
	run "$COVE" move "$c" "$(ct g)"
	assert_success
	[ -d "$LXCPATH/$(ct g)/rootfs" ]
	assert_no_leftovers
}

@test "publish: an image from an instance and from a snapshot, launch from it, image export" {
	local a=$(ct a) b=$(ct b) fp
	launch "$a"
	"$COVE" exec "$a" -- sh -c 'echo published >/root/f'
	run "$COVE" publish "$a" --alias "tpl-$UNIQ" description="my template"
	assert_success
	assert_output --regexp '^Instance published with fingerprint: [0-9a-f]{64}$'
	fp=${output##* }
	run "$COVE" image info "tpl-$UNIQ"
	assert_success
	assert_output --partial "my template"
	run "$COVE" launch "tpl-$UNIQ" "$b"
	assert_success
	run "$COVE" exec "$b" -- cat /root/f
	assert_output published
	mkdir "$TESTDIR/exp"
	run "$COVE" image export "tpl-$UNIQ" "$TESTDIR/exp/"
	assert_success
	[ "$(sha256sum "$TESTDIR/exp/$fp.tar.gz" | cut -d' ' -f1)" = "$fp" ]
	tar -tzf "$TESTDIR/exp/$fp.tar.gz" | grep -qx metadata.yaml
	tar -tzf "$TESTDIR/exp/$fp.tar.gz" | grep -qx rootfs/root/f
	"$COVE" snapshot "$a" s
	run "$COVE" publish "$a/s" --alias "snap-$UNIQ" --public
	assert_success
	run api GET "/1.0/images/${output##* }"
	[ "$(jq -r .metadata.public <<<"$output")" = true ]
	run -1 "$COVE" publish "$a" --alias "tpl-$UNIQ"
	assert_output --partial "already exists"
	run -1 "$COVE" publish "$a/nosuch"
	[ "$(api_code GET /1.0/images/nosuch/export)" = 404 ]
	assert_no_leftovers
}

@test "export, delete, import, start (with snapshots); export to stdout; import under another name" {
	local a=$(ct a) b=$(ct b) z0=$(ct z0)
	launch "$a"
	"$COVE" init busybox "$z0"
	[ -L "$LXCPATH/$z0" ]
	"$COVE" exec "$a" -- sh -c 'echo saved >/root/f'
	"$COVE" snapshot "$a" s0
	"$COVE" config set "$a" user.k kept
	run "$COVE" export "$a" "$TESTDIR/a.tar.gz"
	assert_success
	assert_output "Backup exported successfully!"
	tar -tzf "$TESTDIR/a.tar.gz" >"$TESTDIR/list"
	grep -qx backup/index.yaml "$TESTDIR/list"
	grep -qx backup/container/backup.yaml "$TESTDIR/list"
	grep -qx backup/container/rootfs/root/f "$TESTDIR/list"
	grep -qx backup/snapshots/s0/rootfs/root/f "$TESTDIR/list"
	[ "$(api GET "/1.0/instances/$a/backups" | jq '.metadata | length')" = 0 ]
	"$COVE" export "$a" - >"$TESTDIR/b.tar.gz"
	tar -tzf "$TESTDIR/b.tar.gz" | grep -qx backup/index.yaml
	run "$COVE" delete -f "$a"
	assert_success
	run "$COVE" import "$TESTDIR/a.tar.gz"
	assert_success
	run "$COVE" list -f csv -c nsS "$a"
	assert_output "$a,STOPPED,1"
	# in its pool's instance volume, as a created instance is
	[ "$(readlink "$LXCPATH/$a")" = "$(dirname "$(readlink "$LXCPATH/$z0")")/$a" ]
	run "$COVE" config get "$a" user.k
	assert_output kept
	run "$COVE" start "$a"
	assert_success
	run "$COVE" exec "$a" -- cat /root/f
	assert_output saved
	run "$COVE" import "$TESTDIR/b.tar.gz" "$b"
	assert_success
	run "$COVE" list -f csv -c n "$b"
	assert_output "$b"
	run -1 "$COVE" import "$TESTDIR/b.tar.gz" "$b"
	assert_no_leftovers
}

@test "import refuses malicious or broken tarballs with 400 and leaves nothing behind" {
	local d=$TESTDIR/evil n=$(ct x) code
	mkdir -p "$d/backup/container/rootfs"
	printf 'container:\n  name: %s\n  architecture: x86_64\n' "$n" >"$d/backup/container/backup.yaml"
	echo x >"$TESTDIR/outside"
	# ".." in a path
	tar -czf "$TESTDIR/dotdot.tar.gz" -C "$d" backup --transform 's,^backup/container/rootfs$,backup/container/rootfs/../../../../escape,'
	python3 - "$TESTDIR" <<'EOF'
import io, sys, tarfile
t = sys.argv[1]
def mk(name, add):
    with tarfile.open(f"{t}/{name}.tar.gz", "w:gz") as tf:
        y = b"container:\n  name: x\n  architecture: x86_64\n"
        ti = tarfile.TarInfo("backup/container/backup.yaml"); ti.size = len(y)
        tf.addfile(ti, io.BytesIO(y))
        ti = tarfile.TarInfo("backup/container/rootfs"); ti.type = tarfile.DIRTYPE
        tf.addfile(ti)
        add(tf)
def absolute(tf):
    ti = tarfile.TarInfo("/tmp/evil-abs"); ti.size = 1
    tf.addfile(ti, io.BytesIO(b"x"))
def dev(tf):
    ti = tarfile.TarInfo("backup/container/rootfs/dev-null"); ti.type = tarfile.CHRTYPE
    ti.devmajor, ti.devminor = 1, 3
    tf.addfile(ti)
def link(tf):
    ti = tarfile.TarInfo("backup/container/rootfs/out"); ti.type = tarfile.SYMTYPE
    ti.linkname = "../../../../../../etc"
    tf.addfile(ti)
    ti = tarfile.TarInfo("backup/container/rootfs/out/evil"); ti.size = 1
    tf.addfile(ti, io.BytesIO(b"x"))
def dotdot(tf):
    ti = tarfile.TarInfo("backup/../../evil-dotdot"); ti.size = 1
    tf.addfile(ti, io.BytesIO(b"x"))
mk("abs", absolute); mk("dev", dev); mk("link", link); mk("dotdot2", dotdot)
EOF
	echo "not a tarball" >"$TESTDIR/garbage.tar.gz"
	tar -czf "$TESTDIR/noyaml.tar.gz" -C "$TESTDIR" outside
	for f in dotdot dotdot2 abs dev link garbage noyaml; do
		code=$(curl -s -o "$TESTDIR/ans" -w '%{http_code}' --unix-socket "$COVE_DIR/unix.socket" \
			-H 'Content-Type: application/octet-stream' -H "X-LXD-name: $n" \
			--data-binary "@$TESTDIR/$f.tar.gz" http://cove/1.0/instances)
		[ "$code" = 202 ] || { echo "$f: $code"; false; }
		run api_wait "$(cat "$TESTDIR/ans")"
		[ "$(jq -r .status <<<"$output")" = Failure ] || { echo "$f: $output"; false; }
		[ "$(jq -r .status_code <<<"$output")" = 400 ] || { echo "$f: $output"; false; }
		[[ "$(jq -r .err <<<"$output")" == "Invalid backup"* ]] || { echo "$f: $output"; false; }
	done
	run -1 "$COVE" import "$TESTDIR/dev.tar.gz" "$n"
	assert_output --partial "Error: Invalid backup: Refusing tar entry 'backup/container/rootfs/dev-null': device node"
	run -1 "$COVE" import "$TESTDIR/link.tar.gz" "$n"
	assert_output --partial "Error: Invalid backup:"
	[ ! -e /tmp/evil-abs ]
	[ ! -e "$TESTDIR/evil-dotdot" ] && [ ! -e "$COVE_DIR/evil-dotdot" ] && [ ! -e /etc/evil ]
	[ "$(api_code GET "/1.0/instances/$n")" = 404 ]
	[ ! -e "$LXCPATH/$n" ]
	code=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$COVE_DIR/unix.socket" \
		-H 'Content-Type: application/octet-stream' -H "X-LXD-name: a/b" \
		--data-binary "@$TESTDIR/noyaml.tar.gz" http://cove/1.0/instances)
	[ "$code" = 400 ]
	assert_no_leftovers
}

@test "backups API: list, show, delete, 404s" {
	local n=$(ct a) r b
	launch "$n"
	r=$(api POST "/1.0/instances/$n/backups" '{"name":"","expires_at":"2030-01-01T00:00:00Z"}')
	r=$(api_wait "$r")
	[ "$(jq -r .status <<<"$r")" = Success ]
	b=$(jq -r '.resources.backups[0]' <<<"$r")
	[ "$b" = /1.0/backups/backup0 ]
	b=/1.0/instances/$n/backups/backup0
	[ "$(api GET "/1.0/instances/$n/backups" | jq -r '.metadata[0]')" = "$b" ]
	[ "$(api GET "$b" | jq -r .metadata.name)" = backup0 ]
	[ "$(api_code GET "$b/export")" = 200 ]
	[ "$(api_code POST "/1.0/instances/$n/backups" '{"name":"a/b"}')" = 400 ]
	[ "$(api_code POST "/1.0/instances/$n/backups" '{"name":"backup0"}')" = 409 ]
	[ "$(api_code GET "/1.0/instances/$n/backups/nosuch")" = 404 ]
	[ "$(api_code GET "/1.0/instances/$n/backups/nosuch/export")" = 404 ]
	[ "$(api_code GET "/1.0/instances/nosuch/backups")" = 404 ]
	r=$(api DELETE "$b")
	[ "$(api_wait "$r" | jq -r .status)" = Success ]
	[ "$(api_code GET "$b")" = 404 ]
	[ -z "$(ls -A "$LXCPATH/$n/backups")" ]
}

@test "Debian's lxc: snapshot, info, restore, delete SNAP, copy, move, publish, image export, export/import" {
	command -v lxc >/dev/null || skip "lxd-client is not installed"
	local a=$(ct a) b=$(ct b) c=$(ct c)
	lxc list >/dev/null 2>&1
	run lxc launch busybox "$a"
	assert_success
	lxc exec "$a" -- sh -c 'echo one >/root/f'
	run lxc snapshot "$a" s1
	assert_success
	run lxc info "$a"
	assert_success
	assert_output --partial "s1"
	# cove info prints the snapshots as lxc does
	[ "$(lxc info "$a" | sed -n '/^Snapshots:/,$p')" = "$("$COVE" info "$a" | sed -n '/^Snapshots:/,$p')" ]
	run lxc list -c nS --format csv "$a"
	assert_output "$a,1"
	lxc exec "$a" -- sh -c 'echo two >/root/f'
	run lxc restore "$a" s1
	assert_success
	run lxc exec "$a" -- cat /root/f
	assert_output one
	run lxc copy "$a" "$b"
	assert_success
	run lxc list -c nsS --format csv "$b"
	assert_output "$b,STOPPED,1"
	run lxc move "$b" "$c"
	assert_success
	run lxc delete "$c/s1"
	assert_success
	run lxc list -c S --format csv "$c"
	assert_output 0
	run lxc publish "$a/s1" --alias "lxcpub-$UNIQ"
	assert_success
	run lxc image export "lxcpub-$UNIQ" "$TESTDIR/img"
	assert_success
	ls "$TESTDIR"/img* >/dev/null
	run lxc export "$a" "$TESTDIR/a.tar.gz"
	assert_success
	run lxc import "$TESTDIR/a.tar.gz" "$b"
	assert_success
	run lxc start "$b"
	assert_success
	run lxc exec "$b" -- cat /root/f
	assert_output one
}

@test "the tutorial's snapshot, copy, publish and backup commands with cove" {
	local m=$(ct m) dest=$(ct dest) dest2=$(ct dest2) new=$(ct new) imp=$(ct imp)
	run "$COVE" launch busybox "$m"
	assert_success
	run "$COVE" publish "$m" --alias "mon-template-web-$UNIQ"
	assert_success
	cat >"$TESTDIR/web-template.yaml" <<-'YAML'
	architecture: x86_64
	creation_date: 1640995200
	expiry_date: 1672531200
	properties:
	  description: "Serveur web avec Nginx et PHP 8.1"
	  os: "debian"
	  release: "12"
	  variant: "default"
	  requirements.cdi: "false"
	templates:
	  /etc/nginx/sites-available/default:
	    when:
	    - create
	    - rename
	    template: nginx-default.tpl
	YAML
	run "$COVE" publish "$m" --alias "web-template-$UNIQ" \
		--metadata "$TESTDIR/web-template.yaml" \
		description="Template serveur web Nginx + PHP"
	assert_success
	run "$COVE" image show "web-template-$UNIQ"
	assert_line "  os: debian"
	assert_line "  release: \"12\""
	assert_line "  description: Template serveur web Nginx + PHP"
	mkdir "$TESTDIR/tmp"
	run "$COVE" image export "mon-template-web-$UNIQ" "$TESTDIR/tmp/"
	assert_success
	[ -n "$(ls "$TESTDIR/tmp/"*.tar.gz)" ]

	run "$COVE" snapshot "$m" backup-avant-update
	assert_success
	run "$COVE" snapshot "$m" "pre-nginx-update" --comment "Avant mise à jour Nginx 1.22"
	assert_success
	run -1 "$COVE" snapshot "$m" backup-avec-etat --stateful
	assert_output --partial "CRIU"
	run "$COVE" info "$m"
	assert_line --regexp '^\| backup-avant-update +\| [0-9/]+ [0-9:]+ UTC \| +\| NO +\|$'
	run "$COVE" info "$m/pre-nginx-update"
	assert_success
	assert_line "Name: $m/pre-nginx-update"
	assert_line "Stateful: no"
	assert_line "Description: Avant mise à jour Nginx 1.22"
	run "$COVE" restore "$m" backup-avant-update
	assert_success
	run "$COVE" delete "$m/backup-avant-update"
	assert_success
	run "$COVE" config set "$m" snapshots.schedule "0 6 * * *"
	assert_success
	run "$COVE" config set "$m" snapshots.schedule.stopped true
	assert_success
	run "$COVE" config set "$m" snapshots.pattern "auto-%d"
	assert_success
	run "$COVE" config set "$m" snapshots.expiry "7d"
	assert_success

	run "$COVE" copy "$m" "$dest"
	assert_success
	run "$COVE" copy "$m" "$dest2" --copy-snapshots
	assert_success
	run "$COVE" list -f csv -c S "$dest2"
	assert_output 1
	run "$COVE" move "$dest" "$new"
	assert_success
	run -1 "$COVE" copy "$m" serveur2:mon-conteneur-copie
	assert_output 'Error: The remote "serveur2" doesn'"'"'t exist'
	run -1 "$COVE" move "$m" serveur2:
	assert_output 'Error: The remote "serveur2" doesn'"'"'t exist'

	mkdir -p "$TESTDIR/backup"
	run "$COVE" export "$m" "$TESTDIR/backup/mon-conteneur-$(date +%Y%m%d).tar.gz"
	assert_success
	"$COVE" export "$m" - | gzip -9 >"$TESTDIR/backup/mon-conteneur.tar.gz"
	[ -s "$TESTDIR/backup/mon-conteneur.tar.gz" ]
	run "$COVE" delete -f "$m"
	assert_success
	run "$COVE" import "$TESTDIR/backup/mon-conteneur-$(date +%Y%m%d).tar.gz"
	assert_success
	run "$COVE" import "$TESTDIR/backup/mon-conteneur-$(date +%Y%m%d).tar.gz" --alias "$imp"
	assert_success
	run "$COVE" list -f csv -c nS "$UNIQ"
	assert_line "$m,1"
	assert_line "$imp,1"

	# the tutorial's backup-lxd.sh, with cove
	local DATE=$(date +%Y%m%d_%H%M%S) BACKUP_DIR=$TESTDIR/backup/lxd container
	mkdir -p "$BACKUP_DIR/$DATE"
	for container in $("$COVE" list -c n --format csv); do
		"$COVE" snapshot "$container" "backup-$DATE"
		"$COVE" export "$container" "$BACKUP_DIR/$DATE/$container.tar.gz"
		"$COVE" delete "$container/backup-$DATE"
	done
	[ "$(ls "$BACKUP_DIR/$DATE" | wc -l)" = "$("$COVE" list -c n --format csv | wc -l)" ]
	assert_no_leftovers
}

@test "snapshots.schedule takes snapshots each minute (running ones, stopped with .stopped); expired ones go" {
	local a=$(ct a) b=$(ct b) c=$(ct c) i r
	launch "$a"
	"$COVE" init busybox "$b"
	"$COVE" init busybox "$c"
	for n in "$a" "$b" "$c"; do
		"$COVE" config set "$n" snapshots.schedule "* * * * *"
		"$COVE" config set "$n" snapshots.pattern "auto-%d"
	done
	"$COVE" config set "$a" snapshots.expiry 1M
	"$COVE" config set "$c" snapshots.schedule.stopped true
	# a backup past its expires_at goes at a tick as well
	r=$(api POST "/1.0/instances/$b/backups" '{"name":"old","expires_at":"2000-01-01T00:00:00Z"}')
	[ "$(api_wait "$r" | jq -r .status)" = Success ]
	[ -e "$LXCPATH/$b/backups/old.tar.gz" ]
	# the scheduler wakes at the start of each minute
	for i in $(seq 150); do
		[ "$(api GET "/1.0/instances/$a/snapshots" | jq '.metadata | length')" -ge 1 ] && break
		sleep 1
	done
	"$COVE" config unset "$a" snapshots.schedule
	run api GET "/1.0/instances/$a/snapshots/auto-0"
	[ "$(jq -r .status_code <<<"$output")" = 200 ]
	[ "$(jq -r .metadata.expires_at <<<"$output")" != 0001-01-01T00:00:00Z ]
	sleep 2
	[ "$(api GET "/1.0/instances/$b/snapshots" | jq '.metadata | length')" = 0 ]
	[ "$(api GET "/1.0/instances/$c/snapshots" | jq '.metadata | length')" -ge 1 ]
	# auto-0 expires a minute after it was taken: a later tick deletes it
	for i in $(seq 150); do
		[ "$(api GET "/1.0/instances/$a/snapshots" | jq '.metadata | length')" = 0 ] && break
		sleep 1
	done
	[ "$(api GET "/1.0/instances/$a/snapshots" | jq '.metadata | length')" = 0 ]
	[ "$(api_code GET "/1.0/instances/$b/backups/old")" = 404 ]
	[ ! -e "$LXCPATH/$b/backups/old.tar.gz" ]
}

@test "a restarted coved removes what interrupted snapshots, restores, backups and imports left" {
	local n=$(ct a)
	"$COVE" init busybox "$n"
	"$COVE" snapshot "$n" s
	mkdir -p "$LXCPATH/.upload.x1" "$LXCPATH/.import.x2" "$LXCPATH/$n/snapshots/.new.x3/rootfs" \
		"$LXCPATH/$n/backups" "$LXCPATH/$n/rootfs.restore-new"
	touch "$LXCPATH/$n/backups/backup0.tar.gz.tmp"
	mv "$LXCPATH/$n/rootfs" "$LXCPATH/$n/rootfs.restore-old"
	coved_stop
	coved_start
	[ -d "$LXCPATH/$n/rootfs/bin" ]
	run ls -A "$LXCPATH" "$LXCPATH/$n" "$LXCPATH/$n/snapshots" "$LXCPATH/$n/backups"
	refute_output --partial ".upload"
	refute_output --partial ".import"
	refute_output --partial ".new"
	refute_output --partial "restore-"
	refute_output --partial ".tmp"
	run "$COVE" list -f csv -c nS "$n"
	assert_output "$n,1"
}

@test "image export of a split image answers LXD's multipart: Debian's lxc writes both tarballs" {
	command -v lxc >/dev/null || skip "lxd-client is not installed"
	local fp u
	fp=$(api GET /1.0/images/aliases/busybox | jq -r .metadata.target)
	u=$COVE_DIR/images/$fp.unpacked
	tar -C "$u" -czf "$TESTDIR/meta.tar.gz" metadata.yaml
	tar -C "$u/rootfs" --numeric-owner -czf "$TESTDIR/rootfs.tar.gz" .
	run "$COVE" image import "$TESTDIR/meta.tar.gz" "$TESTDIR/rootfs.tar.gz" --alias "split-$UNIQ"
	assert_success
	fp=$(api GET "/1.0/images/aliases/split-$UNIQ" | jq -r .metadata.target)
	mkdir "$TESTDIR/out"
	lxc list >/dev/null 2>&1
	run lxc image export "split-$UNIQ" "$TESTDIR/out/"
	assert_success
	# named after the image's filename, as LXD names them
	f=$(api GET "/1.0/images/$fp" | jq -r .metadata.filename)
	cmp "$TESTDIR/out/meta-$f" "$TESTDIR/meta.tar.gz"
	cmp "$TESTDIR/out/$f" "$TESTDIR/rootfs.tar.gz"
}

@test "cove image export of a split image writes both tarballs (as lxc names them)" {
	local fp u f
	fp=$(api GET /1.0/images/aliases/busybox | jq -r .metadata.target)
	u=$COVE_DIR/images/$fp.unpacked
	tar -C "$u" -czf "$TESTDIR/meta.tar.gz" metadata.yaml
	tar -C "$u/rootfs" --numeric-owner -czf "$TESTDIR/rootfs.tar.gz" .
	run "$COVE" image import "$TESTDIR/meta.tar.gz" "$TESTDIR/rootfs.tar.gz" --alias "split-$UNIQ"
	assert_success
	fp=$(api GET "/1.0/images/aliases/split-$UNIQ" | jq -r .metadata.target)
	f=$(api GET "/1.0/images/$fp" | jq -r .metadata.filename)
	mkdir "$TESTDIR/out"
	run "$COVE" image export "split-$UNIQ" "$TESTDIR/out"
	assert_success
	cmp "$TESTDIR/out/meta-$f" "$TESTDIR/meta.tar.gz"
	cmp "$TESTDIR/out/$f" "$TESTDIR/rootfs.tar.gz"
	[ "$(ls "$TESTDIR/out" | wc -l)" = 2 ]
	run "$COVE" image export "split-$UNIQ" "$TESTDIR/img"
	assert_success
	cmp "$TESTDIR/img" "$TESTDIR/meta.tar.gz"
	cmp "$TESTDIR/img.root" "$TESTDIR/rootfs.tar.gz"
}
