#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# table.py JSONDIR [MON_RSS_LXC MON_RSS_COVE MON_PSS_LXC MON_PSS_COVE]: read
# "key<TAB>label<TAB>target" rows on stdin, hyperfine's JSON from
# JSONDIR/KEY.lxc.json and KEY.cove.json, print a markdown table with the
# medians, the ratio cove/LXC and whether the target ratio is met.
import json, os, statistics, sys
out, ml, mc, mlp, mcp = sys.argv[1:6]
def med(path):
    try:
        t = json.load(open(path))["results"][0]["times"]
        return statistics.median(t) * 1000, min(t) * 1000
    except Exception:
        return None, None
def frac(s):
    if not s:
        return None
    a, b = s.split("/")
    return float(a) / float(b)
print("| measurement | LXC median (min) ms | cove median (min) ms | cove/LXC | target | met |")
print("|---|---|---|---|---|---|")
for line in sys.stdin:
    key, label, target = line.rstrip("\n").split("\t")
    lm, lmin = med(os.path.join(out, key + ".lxc.json"))
    cm, cmin = med(os.path.join(out, key + ".cove.json"))
    ls = "%.1f (%.1f)" % (lm, lmin) if lm is not None else "FAILED"
    cs = "%.1f (%.1f)" % (cm, cmin) if cm is not None else "FAILED"
    ratio = cm / lm if lm and cm is not None and lm > 0 else None
    rs = "%.2f" % ratio if ratio is not None else "-"
    t = frac(target)
    met = "-" if t is None or ratio is None else ("yes" if ratio <= t else "NO")
    print("| %s | %s | %s | %s | %s | %s |" % (label, ls, cs, rs, "<= " + target if target else "", met))
if ml or mc:
    lk = int(ml) if ml else None
    ck = int(mc) if mc else None
    ratio = "%.2f" % (ck / lk) if lk and ck else "-"
    met = "-" if ck is None else ("yes" if ck < 1024 else "NO")
    print("| monitor RSS (PSS), KiB | %s (%s) | %s (%s) | %s | < 1024 KiB | %s |" % (
        lk if lk is not None else "?", mlp or "?", ck if ck is not None else "?", mcp or "?", ratio, met))
