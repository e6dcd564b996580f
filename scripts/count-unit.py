#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# count-unit.py TESTLOG.json [SUITE]: count test cases from meson's testlog.json.
# Each test's TAP lines (cmocka with CMOCKA_MESSAGE_OUTPUT=TAP) count one
# case each; cmocka's default "[       OK ]" lines count too; a test binary
# with neither counts as one case by its meson result. A binary that failed
# (crash, timeout, bad exit) without any "not ok" line adds one failure.
# Prints "passed failed skipped" and, on stderr, one line per failing case.
import json
import re
import sys

TAP = re.compile(r'^(not ok|ok)\b(.*)$')
CMOCKA = re.compile(r'^\[\s*(OK|FAILED|SKIPPED|ERROR)\s*\]\s+(\S.*)$')
BAD = ('FAIL', 'TIMEOUT', 'ERROR', 'UNEXPECTEDPASS', 'INTERRUPT')


def count(test):
    p = f = s = 0
    out = test.get('stdout') or ''
    if test.get('stderr'):
        out += '\n' + test['stderr']
    seen = False
    for line in out.splitlines():
        line = line.strip()
        m = TAP.match(line)
        if m:
            seen = True
            if re.search(r'#\s*skip', m.group(2), re.I):
                s += 1
            elif m.group(1) == 'ok':
                p += 1
            else:
                f += 1
                print('  FAIL %s: %s' % (test['name'], line), file=sys.stderr)
            continue
        m = CMOCKA.match(line)
        if m and not m.group(2).startswith(('test(s)', '0 test')) and not re.match(r'^\d+ test', m.group(2)):
            seen = True
            if m.group(1) == 'OK':
                p += 1
            elif m.group(1) == 'SKIPPED':
                s += 1
            else:
                f += 1
                print('  FAIL %s: %s' % (test['name'], line), file=sys.stderr)
    res = test.get('result', '')
    if not seen:
        if res == 'SKIP':
            s += 1
        elif res in ('OK', 'EXPECTEDFAIL'):
            p += 1
        else:
            f += 1
            print('  FAIL %s: %s' % (test['name'], res), file=sys.stderr)
    elif res in BAD and f == 0:
        f += 1
        print('  FAIL %s: %s (exit %s) after its test cases' % (test['name'], res,
              test.get('returncode')), file=sys.stderr)
    return p, f, s


def main():
    suite = sys.argv[2] if len(sys.argv) > 2 else None
    tp = tf = ts = 0
    with open(sys.argv[1]) as fp:
        for line in fp:
            line = line.strip()
            if not line:
                continue
            t = json.loads(line)
            suites = list(t.get('suite') or [])
            if not suites and ' / ' in t.get('name', ''):
                # meson 1.0: "project:suite+suite2 / name"
                pre = t['name'].split(' / ', 1)[0]
                suites = [pre] + pre.split(':', 1)[-1].split('+')
            if suite and not any(x == suite or x.endswith(':' + suite) for x in suites):
                continue
            p, f, s = count(t)
            tp += p
            tf += f
            ts += s
    print(tp, tf, ts)


main()
