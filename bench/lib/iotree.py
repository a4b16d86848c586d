#!/usr/bin/env python3
"""iotree.py OUT CMD...: run CMD, wait for all of its descendants, write figures to OUT.

This process is a subreaper (PR_SET_CHILD_SUBREAPER): orphaned descendants
come back to it and it waits for every one. /proc/self/io then adds the
counters of every waited-for descendant, so the difference over the run is
the whole tree's; getrusage(RUSAGE_CHILDREN).ru_maxrss is the largest peak
resident set of any single process of the tree. OUT gets "key value" lines:
seconds (wall clock), rchar, wchar, read_bytes, write_bytes,
cancelled_write_bytes (and the other /proc/self/io keys), maxrss_kib, rc.
Exits with CMD's status.
"""
import ctypes
import os
import resource
import sys
import time

PR_SET_CHILD_SUBREAPER = 36


def counters():
    with open("/proc/self/io") as f:
        return {k: int(v) for k, v in (line.split(": ") for line in f)}


def main(argv):
    if len(argv) < 3:
        sys.exit("usage: iotree.py OUT CMD...")
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit("iotree: prctl(PR_SET_CHILD_SUBREAPER) failed")
    before = counters()
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(argv[2], argv[2:])
        finally:
            os._exit(127)
    rc = 1
    while True:
        try:
            p, st = os.wait()
        except ChildProcessError:
            break
        if p == pid:
            rc = os.waitstatus_to_exitcode(st)
    seconds = time.monotonic() - t0
    after = counters()
    with open(argv[1], "w") as f:
        f.write("seconds %.3f\n" % seconds)
        for k in after:
            f.write("%s %d\n" % (k, after[k] - before[k]))
        f.write("maxrss_kib %d\n" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
        f.write("rc %d\n" % rc)
    sys.exit(rc)


if __name__ == "__main__":
    main(sys.argv)
