#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# coved's images beyond the unified tarball: split images (metadata and
# rootfs tarballs, multipart upload from cove and from Debian's lxc),
# metadata.yaml templates (create, copy, start), image edit and properties,
# the debian build, and bad uploads and templates leaving nothing behind.

load daemon-helpers

COVE=$COVE_BUILD_DIR/src/client/cove

setup() {
	daemon_setup
	[ -x "$COVE" ] || skip "the cove client is not built"
	daemon_init_image
	BB_ROOTFS=$(echo "$COVE_DIR"/images/*.unpacked/rootfs)
	[ -d "$BB_ROOTFS" ] || fail "no busybox rootfs"
}

# store_entries: the image store's entries (to see nothing was left behind)
store_entries() {
	ls -A "$COVE_DIR/images" | sort
}

# make_split DIR [METADATA_EXTRA]: DIR/meta.tar.xz and DIR/rootfs.tar.xz from
# the busybox rootfs, with hostname/motd templates
make_split() {
	local d=$1
	mkdir -p "$d/meta/templates"
	cat >"$d/meta/metadata.yaml" <<-EOF
	architecture: $(uname -m)
	creation_date: 1700000000
	properties:
	  description: split busybox $UNIQ
	  os: busybox
	  release: "1.0"
	templates:
	  /etc/hostname:
	    when: [create, copy, rename]
	    template: hostname.tpl
	  /etc/motd:
	    when: [start]
	    template: motd.tpl
	    properties:
	      greeting: hello
	  /etc/created-only:
	    when: [create]
	    create_only: true
	    template: hostname.tpl
	EOF
	echo '{{ container.name }}' >"$d/meta/templates/hostname.tpl"
	printf '%s\n' '{{ properties.greeting }} {{ instance.name }} {% if config_get("user.x", "") == "" %}nox{% else %}x={{ config_get("user.x", "")|upper }}{% endif %}' \
		>"$d/meta/templates/motd.tpl"
	tar -C "$d/meta" -cJf "$d/meta.tar.xz" metadata.yaml templates
	tar -C "$BB_ROOTFS" -cJf "$d/rootfs.tar.xz" .
}

@test "cove image import META ROOTFS: split image, fingerprint sha256(meta||rootfs), stored and launchable" {
	local d=$TESTDIR/split n=$(ct a) fp
	make_split "$d"
	run "$COVE" image import "$d/meta.tar.xz" "$d/rootfs.tar.xz" --alias split
	assert_success
	fp=$(cat "$d/meta.tar.xz" "$d/rootfs.tar.xz" | sha256sum | cut -d' ' -f1)
	assert_output "Image imported with fingerprint: $fp"
	[ -f "$COVE_DIR/images/$fp" ]
	[ -f "$COVE_DIR/images/$fp.rootfs" ]
	[ -f "$COVE_DIR/images/$fp.unpacked/metadata.yaml" ]
	[ -d "$COVE_DIR/images/$fp.unpacked/templates" ]
	run "$COVE" image info split
	assert_line "Fingerprint: $fp"
	assert_line "    description: split busybox $UNIQ"
	assert_line "    release: 1.0"
	assert_line "    - split"
	run "$COVE" launch split "$n"
	assert_success
	run "$COVE" exec "$n" -- cat /etc/hostname
	assert_output "$n"
	# nothing temporary left in the store
	run bash -c "ls -A '$COVE_DIR/images' | grep '^\\.'"
	assert_failure
}

@test "a unified tarball with templates/ renders them too" {
	local d=$TESTDIR/uni n=$(ct w)
	make_split "$TESTDIR/split"
	mkdir -p "$d"
	cp -a "$TESTDIR/split/meta/." "$d/"
	cp -a "$BB_ROOTFS" "$d/rootfs"
	tar -C "$d" -czf "$TESTDIR/uni.tar.gz" metadata.yaml templates rootfs
	run "$COVE" image import "$TESTDIR/uni.tar.gz" --alias uni
	assert_success
	run "$COVE" launch uni "$n" -c user.x=u
	assert_success
	run "$COVE" exec "$n" -- cat /etc/hostname /etc/motd
	assert_output "$n
hello $n x=U"
}

@test "templates: create at the first start, start at every start, copy and rename at the next start; the instance keeps them" {
	local d=$TESTDIR/split n=$(ct t) m=$(ct u)
	make_split "$d"
	"$COVE" image import "$d/meta.tar.xz" "$d/rootfs.tar.xz" --alias split
	run "$COVE" init split "$n" -c user.x=abc
	assert_success
	[ -f "$LXCPATH/$n/metadata.yaml" ]
	[ -f "$LXCPATH/$n/templates/motd.tpl" ]
	run "$COVE" config get "$n" volatile.apply_template
	assert_output create
	run "$COVE" start "$n"
	assert_success
	run "$COVE" exec "$n" -- cat /etc/hostname /etc/motd /etc/created-only
	assert_output "$n
hello $n x=ABC
$n"
	run "$COVE" config get "$n" volatile.apply_template
	assert_output ""
	# start templates again at each start, with the current config
	"$COVE" stop -f "$n"
	"$COVE" config unset "$n" user.x
	"$COVE" exec "$n" -- true 2>/dev/null || true
	echo edited >"$LXCPATH/$n/rootfs/etc/created-only"
	run "$COVE" start "$n"
	assert_success
	run "$COVE" exec "$n" -- cat /etc/motd /etc/created-only
	assert_output "hello $n nox
edited"
	# a copy renders its copy templates at its first start
	"$COVE" stop -f "$n"
	run "$COVE" copy "$n" "$m"
	assert_success
	[ -f "$LXCPATH/$m/templates/hostname.tpl" ]
	run "$COVE" start "$m"
	assert_success
	run "$COVE" exec "$m" -- cat /etc/hostname /etc/motd
	assert_output "$m
hello $m nox"
	"$COVE" delete -f "$m"
	# and a rename its rename templates at the next start
	local r=$(ct v)
	run "$COVE" move "$n" "$r"
	assert_success
	run "$COVE" config get "$r" volatile.apply_template
	assert_output rename
	"$COVE" start "$r"
	run "$COVE" exec "$r" -- cat /etc/hostname
	assert_output "$r"
	"$COVE" delete -f "$r"
}

@test "export of a split image: both files back (cove and lxc), unified stays one file" {
	local d=$TESTDIR/split
	make_split "$d"
	"$COVE" image import "$d/meta.tar.xz" "$d/rootfs.tar.xz" --alias split
	run "$COVE" image export split "$TESTDIR/out"
	assert_success
	cmp "$TESTDIR/out" "$d/meta.tar.xz"
	cmp "$TESTDIR/out.root" "$d/rootfs.tar.xz"
	run "$COVE" image export busybox "$TESTDIR/bb.tar.gz"
	assert_success
	[ ! -e "$TESTDIR/bb.tar.gz.root" ]
	tar tzf "$TESTDIR/bb.tar.gz" metadata.yaml
	if command -v lxc >/dev/null; then
		lxc list >/dev/null 2>&1
		run lxc image export split "$TESTDIR/lout"
		assert_success
		cmp "$TESTDIR/lout" "$d/meta.tar.xz"
		cmp "$TESTDIR/lout.root" "$d/rootfs.tar.xz"
	fi
}

@test "lxc image import META ROOTFS (Debian's client) and lxc image info" {
	command -v lxc >/dev/null || skip "lxd-client is not installed"
	local d=$TESTDIR/split fp
	make_split "$d"
	lxc list >/dev/null 2>&1
	run lxc image import "$d/meta.tar.xz" "$d/rootfs.tar.xz" --alias lsplit
	assert_success
	fp=$(cat "$d/meta.tar.xz" "$d/rootfs.tar.xz" | sha256sum | cut -d' ' -f1)
	assert_output --partial "Image imported with fingerprint: $fp"
	run lxc image info lsplit
	assert_success
	assert_line "Fingerprint: $fp"
	run lxc image list --format csv -c lfd
	assert_output --partial "lsplit,${fp:0:12},split busybox $UNIQ"
}

# post_multipart PART=FILE...: curl's multipart upload; prints the answer
post_multipart() {
	local args=() p
	for p in "$@"; do args+=(-F "$p"); done
	curl -s --max-time 60 --unix-socket "$COVE_DIR/unix.socket" -H 'Expect:' \
		"${args[@]}" http://cove/1.0/images
}

@test "bad split uploads: no metadata part, garbage metadata, no metadata.yaml: refused, nothing left" {
	local d=$TESTDIR/split before r
	make_split "$d"
	before=$(store_entries)
	# only a rootfs part: 400 before any operation
	r=$(post_multipart "rootfs=@$d/rootfs.tar.xz")
	[ "$(jq -r .error_code <<<"$r")" = 400 ]
	assert_equal "$(jq -r .error <<<"$r")" "Invalid multipart image upload: no metadata part"
	r=$(post_multipart "metadata=@$d/meta.tar.xz")
	[ "$(jq -r .error_code <<<"$r")" = 400 ]
	# a multipart body without its closing boundary
	run api_code POST /1.0/images
	r=$(curl -s --unix-socket "$COVE_DIR/unix.socket" -H 'Content-Type: multipart/form-data; boundary=XX' \
		--data-binary $'--XX\r\nContent-Disposition: form-data; name="metadata"\r\n\r\nabc' http://cove/1.0/images)
	[ "$(jq -r .error_code <<<"$r")" = 400 ]
	# garbage as metadata: the operation fails
	head -c 4096 /dev/urandom >"$d/garbage"
	r=$(post_multipart "metadata=@$d/garbage" "rootfs=@$d/rootfs.tar.xz")
	r=$(api_wait "$r")
	[ "$(jq -r .status <<<"$r")" = Failure ]
	assert_regex "$(jq -r .err <<<"$r")" "Invalid image metadata tarball"
	# a metadata tarball without metadata.yaml
	tar -C "$d/meta" -cJf "$d/nometa.tar.xz" templates
	run "$COVE" image import "$d/nometa.tar.xz" "$d/rootfs.tar.xz"
	assert_failure 1
	assert_output --partial "no readable metadata.yaml"
	# metadata.yaml a symlink to a host file
	mkdir -p "$d/linkmeta"
	ln -s /etc/passwd "$d/linkmeta/metadata.yaml"
	tar -C "$d/linkmeta" -cJf "$d/linkmeta.tar.xz" metadata.yaml
	run "$COVE" image import "$d/linkmeta.tar.xz" "$d/rootfs.tar.xz"
	assert_failure 1
	assert_equal "$(store_entries)" "$before"
	[ "$(api GET /1.0/images | jq '.metadata | length')" = 1 ]
}

# bad_rootfs NAME PYTHON: a rootfs tarball made by python's tarfile (t is the open archive)
bad_rootfs() {
	python3 - "$TESTDIR/$1.tar" <<EOF
import io, tarfile, sys
t = tarfile.open(sys.argv[1], "w")
def add(name, data=b"x", **kw):
    ti = tarfile.TarInfo(name)
    for k, v in kw.items(): setattr(ti, k, v)
    if ti.type == tarfile.REGTYPE: ti.size = len(data)
    t.addfile(ti, io.BytesIO(data) if ti.type == tarfile.REGTYPE else None)
add("bin/ok")
$2
t.close()
EOF
}

@test "bad rootfs tarballs: .., absolute paths, links out, device nodes: refused, nothing left" {
	local d=$TESTDIR/split before r
	make_split "$d"
	before=$(store_entries)
	bad_rootfs dotdot 'add("../../escape-'$UNIQ'")'
	bad_rootfs abs 'add("/tmp/escape-'$UNIQ'")'
	bad_rootfs hard 'add("etc/shadow-link", type=tarfile.LNKTYPE, linkname="../../../etc/shadow")'
	bad_rootfs sym 'add("etc/up", type=tarfile.SYMTYPE, linkname="../../../..")'
	for f in dotdot abs hard sym; do
		run "$COVE" image import "$d/meta.tar.xz" "$TESTDIR/$f.tar"
		assert_failure 1
		assert_output --partial "Invalid image rootfs tarball"
	done
	[ ! -e "/tmp/escape-$UNIQ" ]
	[ ! -e "$COVE_DIR/escape-$UNIQ" ]
	assert_equal "$(store_entries)" "$before"
	# a device node fails it too
	bad_rootfs dev 'add("dev/sda", type=tarfile.BLKTYPE, devmajor=8, devminor=0)'
	run "$COVE" image import "$d/meta.tar.xz" "$TESTDIR/dev.tar"
	assert_failure 1
	assert_output --partial "Invalid image rootfs tarball"
	assert_equal "$(store_entries)" "$before"
}

# template_image NAME TARGET TEMPLATE_TEXT [ROOTFS_SETUP]: a split image with one start template
template_image() {
	local d=$TESTDIR/$1
	mkdir -p "$d/meta/templates" "$d/rootfs"
	cp -a "$BB_ROOTFS/." "$d/rootfs/"
	printf 'architecture: %s\ncreation_date: 1700000000\ntemplates:\n  %s:\n    when: [start]\n    template: t.tpl\n' \
		"$(uname -m)" "$2" >"$d/meta/metadata.yaml"
	printf '%s\n' "$3" >"$d/meta/templates/t.tpl"
	[ -z "${4:-}" ] || (cd "$d/rootfs" && eval "$4")
	tar -C "$d/meta" -cJf "$d/meta.tar.xz" metadata.yaml templates
	tar -C "$d/rootfs" -cJf "$d/rootfs.tar.xz" .
	"$COVE" image import "$d/meta.tar.xz" "$d/rootfs.tar.xz" --alias "$1"
}

@test "a template target that is a symlink out of the rootfs stays inside it" {
	local n=$(ct s) m=$(ct r)
	echo original >"$TESTDIR/outside"
	template_image esc /etc/hostname '{{ container.name }}' "rm -f etc/hostname; ln -s $TESTDIR/outside etc/hostname"
	run "$COVE" init esc "$n"
	assert_success
	run "$COVE" start "$n"
	# resolved in the rootfs: $TESTDIR does not exist there, so the start fails
	assert_failure 1
	assert_output --partial "Failed to write template target '/etc/hostname'"
	assert_equal "$(cat "$TESTDIR/outside")" original
	# an absolute link lands in the rootfs
	template_image esc2 /etc/motd '{{ container.name }}' "mkdir -p tmp; rm -f etc/motd; ln -s /tmp/motd-$UNIQ etc/motd"
	run "$COVE" launch esc2 "$m"
	assert_success
	[ ! -e "/tmp/motd-$UNIQ" ]
	run "$COVE" exec "$m" -- cat "/tmp/motd-$UNIQ"
	assert_output "$m"
}

@test "templates with unsupported syntax fail the start naming the template and line" {
	local n=$(ct b) m=$(ct c)
	template_image badtpl /etc/motd $'ok\n{% for x in y %}{% endfor %}'
	"$COVE" init badtpl "$n"
	run "$COVE" start "$n"
	assert_failure 1
	assert_output --partial "Template 't.tpl' line 2: unsupported tag for"
	template_image badtpl2 /etc/motd '{{ container.name|nosuchfilter }}'
	"$COVE" init badtpl2 "$m"
	run "$COVE" start "$m"
	assert_failure 1
	assert_output --partial "Template 't.tpl' line 1: unsupported filter nosuchfilter"
	[ "$(status_of "$m")" = Stopped ]
}

@test "image edit, set-property, PUT/PATCH /1.0/images/FP and their bad values" {
	local fp etag r
	fp=$(api GET /1.0/images/aliases/busybox | jq -r .metadata.target)
	run "$COVE" image set-property busybox foo bar
	assert_success
	run "$COVE" image get-property busybox foo
	assert_output bar
	run "$COVE" image unset-property busybox foo
	assert_success
	run "$COVE" image unset-property busybox foo
	assert_failure 1
	printf 'public: true\nauto_update: true\nproperties:\n  os: edited\nexpires_at: 2031-02-03T04:05:06Z\nprofiles: [default]\n' |
		"$COVE" image edit busybox
	run "$COVE" image info busybox
	assert_line "Public: yes"
	assert_line "Auto update: enabled"
	assert_line "    os: edited"
	assert_line --regexp '^    Expires: 2031/02/0[23] '
	# PATCH keeps what it does not name
	[ "$(api_code PATCH "/1.0/images/$fp" '{"public":false}')" = 200 ]
	r=$(api GET "/1.0/images/$fp")
	[ "$(jq -r .metadata.public <<<"$r")" = false ]
	[ "$(jq -r .metadata.properties.os <<<"$r")" = edited ]
	[ "$(jq -r .metadata.auto_update <<<"$r")" = true ]
	# bad values
	[ "$(api_code PUT "/1.0/images/$fp" '{"public":"yes"}')" = 400 ]
	[ "$(api_code PUT "/1.0/images/$fp" '{"properties":{"a":1}}')" = 400 ]
	[ "$(api_code PUT "/1.0/images/$fp" '{"expires_at":"tomorrow"}')" = 400 ]
	[ "$(api_code PUT "/1.0/images/$fp" '{"profiles":["nosuch"]}')" = 400 ]
	[ "$(api_code PUT "/1.0/images/$fp" '[1]')" = 400 ]
	[ "$(api_code PUT "/1.0/images/$fp" 'not json')" = 400 ]
	[ "$(api_code PUT /1.0/images/0123456789ab '{}')" = 404 ]
	# If-Match
	etag=$(curl -s -D - -o /dev/null --unix-socket "$COVE_DIR/unix.socket" "http://cove/1.0/images/$fp" |
		tr -d '\r' | sed -n 's/^[Ee][Tt]ag: //p')
	[ -n "$etag" ]
	r=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$COVE_DIR/unix.socket" -X PATCH \
		-H 'If-Match: "0000"' --data '{"public":true}' "http://cove/1.0/images/$fp")
	[ "$r" = 412 ]
	r=$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$COVE_DIR/unix.socket" -X PATCH \
		-H "If-Match: $etag" --data '{"public":true}' "http://cove/1.0/images/$fp")
	[ "$r" = 200 ]
	run "$COVE" image set-property nosuch-$UNIQ a b
	assert_failure 1
}

@test "image info like LXD's; deleting an image in use is allowed, its instances keep working" {
	local n=$(ct d)
	run "$COVE" image info busybox
	assert_line "Last used: never" || assert_line "    Last used: never"
	"$COVE" init busybox "$n"
	run "$COVE" image info busybox
	assert_line --regexp '^    Last used: [0-9]{4}/[0-9]{2}/[0-9]{2} [0-9]{2}:[0-9]{2} UTC$'
	assert_line "Profiles:"
	assert_line "    - default"
	run "$COVE" image delete busybox
	assert_success
	[ "$(api GET /1.0/images | jq '.metadata | length')" = 0 ]
	run "$COVE" start "$n"
	assert_success
	run "$COVE" exec "$n" -- true
	assert_success
}

@test "cove image build: bad template and release values" {
	run "$COVE" image build nosuch
	assert_failure 1
	assert_output --partial "Unknown image template 'nosuch' (built in: busybox, debian)"
	run "$COVE" image build debian release=../etc
	assert_failure 1
	assert_output --partial "Invalid Debian release '../etc'"
	run "$COVE" image build debian bogus=1
	assert_failure 1
	[ "$(api_code POST /1.0/images '{"source":{"type":"cove-build","template":"debian","release":7}}')" = 400 ]
	assert_equal "$(store_entries | grep -c '^\.')" 0
}

@test "cove image build debian (offline from the apt mirror or the debian template's cache), launch it" {
	command -v debootstrap >/dev/null || skip "debootstrap is not installed"
	local n=$(ct deb) out
	# a tty, so the client shows the build's progress
	out=$(script -qec "$COVE image build debian --alias deb-$UNIQ" /dev/null 2>&1 | tr '\r' '\n') || {
		if grep -q "Cannot reach" <<<"$out"; then
			skip "the Debian mirror is not reachable and there is no cache"
		fi
		echo "$out" >&2
		return 1
	}
	grep -q "^Building image: debootstrap bookworm" <<<"$out"
	grep -qE '^Image built with fingerprint: [0-9a-f]{64}' <<<"$out"
	run "$COVE" image info "deb-$UNIQ"
	assert_line "    os: debian"
	assert_line "    release: bookworm"
	run "$COVE" init "deb-$UNIQ" "$n"
	assert_success
	run "$COVE" start "$n"
	assert_success
	assert_equal "$(cat "$LXCPATH/$n/rootfs/etc/hostname")" "$n"
	grep -q "^127.0.1.1	$n\$" "$LXCPATH/$n/rootfs/etc/hosts"
	# a clean stop: SIGPWR reaches systemd's sigpwr.target, whose unit powers off
	"$COVE" exec "$n" -- systemctl is-system-running --wait || true
	run "$COVE" stop "$n"
	assert_success
	[ "$(status_of "$n")" = Stopped ]
	"$COVE" delete "$n"
	run "$COVE" image delete "deb-$UNIQ"
	assert_success
}

@test "upload headers: --public and key=value properties (cove and lxc), X-LXD-fingerprint checked" {
	local d=$TESTDIR/split before r
	make_split "$d"
	before=$(store_entries)
	run "$COVE" image import "$d/meta.tar.xz" "$d/rootfs.tar.xz" --public "note=a b&c" --alias p1
	assert_success
	run "$COVE" image info p1
	assert_line "Public: yes"
	assert_line "    note: a b&c"
	"$COVE" image delete p1
	if command -v lxc >/dev/null; then
		lxc list >/dev/null 2>&1
		run lxc image import "$d/meta.tar.xz" "$d/rootfs.tar.xz" --public lp=v1 --alias p2
		assert_success
		run "$COVE" image info p2
		assert_line "Public: yes"
		assert_line "    lp: v1"
		"$COVE" image delete p2
	fi
	r=$(curl -s --unix-socket "$COVE_DIR/unix.socket" -H 'Expect:' -H 'X-LXD-fingerprint: nothex' \
		-F "metadata=@$d/meta.tar.xz" -F "rootfs=@$d/rootfs.tar.xz" http://cove/1.0/images)
	[ "$(jq -r .error_code <<<"$r")" = 400 ]
	r=$(curl -s --unix-socket "$COVE_DIR/unix.socket" -H 'Expect:' -H 'X-LXD-properties: =x' \
		-F "metadata=@$d/meta.tar.xz" -F "rootfs=@$d/rootfs.tar.xz" http://cove/1.0/images)
	[ "$(jq -r .error_code <<<"$r")" = 400 ]
	r=$(curl -s --unix-socket "$COVE_DIR/unix.socket" -H 'Expect:' \
		-H "X-LXD-fingerprint: $(printf '0%.0s' $(seq 64))" \
		-F "metadata=@$d/meta.tar.xz" -F "rootfs=@$d/rootfs.tar.xz" http://cove/1.0/images)
	r=$(api_wait "$r")
	[ "$(jq -r .status <<<"$r")" = Failure ]
	assert_regex "$(jq -r .err <<<"$r")" "^Fingerprints don't match"
	assert_equal "$(store_entries)" "$before"
}

@test "an image's profiles apply to instances created from it without profiles" {
	local n=$(ct p) m=$(ct q) fp
	fp=$(api GET /1.0/images/aliases/busybox | jq -r .metadata.target)
	"$COVE" profile create "img-$UNIQ"
	"$COVE" profile set "img-$UNIQ" user.from-image yes
	[ "$(api_code PATCH "/1.0/images/$fp" "{\"profiles\":[\"default\",\"img-$UNIQ\"]}")" = 200 ]
	"$COVE" init busybox "$n"
	[ "$(api GET "/1.0/instances/$n" | jq -c .metadata.profiles)" = "[\"default\",\"img-$UNIQ\"]" ]
	[ "$(api GET "/1.0/instances/$n" | jq -r '.metadata.expanded_config["user.from-image"]')" = yes ]
	"$COVE" init busybox "$m" -p default
	[ "$(api GET "/1.0/instances/$m" | jq -c .metadata.profiles)" = '["default"]' ]
}
