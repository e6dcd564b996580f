#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# lxd-table.py JSONDIR: read "key<TAB>label<TAB>target" rows on stdin, hyperfine's
# JSON from JSONDIR/KEY.lxd.json and KEY.cove.json and the daemon CPU + load
# written next to them (KEY.SIDE.extra: "DAEMON_CPU_MS LOAD1 LOAD5 LOAD15"),
# print a markdown table: medians, cove/LXD, target, client and daemon CPU.
import json, os, statistics, sys
out = sys.argv[1]
def res(key):
    try:
        r = json.load(open(os.path.join(out, key + ".json")))["results"][0]
        t = r["times"]
        cpu = (r["user"] + r["system"]) * 1000
        d, l = open(os.path.join(out, key + ".extra")).read().split(None, 1)
    except Exception:
        return None
    return statistics.median(t) * 1000, min(t) * 1000, cpu, int(d), l.split()[0]
def frac(s):
    if not s:
        return None
    a, b = s.split("/")
    return float(a) / float(b)
print("| measurement | LXD median (min) ms | cove median (min) ms | cove/LXD | target | met "
      "| client CPU ms LXD / cove | daemon CPU ms LXD / cove | load 1m |")
print("|---|---|---|---|---|---|---|---|---|")
for line in sys.stdin:
    key, label, target = line.rstrip("\n").split("\t")
    a, b = res(key + ".lxd"), res(key + ".cove")
    fmt = lambda x: "%.1f (%.1f)" % x[:2] if x else "FAILED"
    ratio = b[0] / a[0] if a and b else None
    t = frac(target)
    met = "-" if t is None or ratio is None else ("yes" if ratio <= t else "NO")
    cpu = "%.1f / %.1f" % (a[2], b[2]) if a and b else "-"
    dc = "%d / %d" % (a[3], b[3]) if a and b else "-"
    ld = "%s / %s" % (a[4], b[4]) if a and b else "-"
    print("| %s | %s | %s | %s | <= %s | %s | %s | %s | %s |" % (
        label, fmt(a), fmt(b), "%.3f" % ratio if ratio is not None else "-", target, met, cpu, dc, ld))
