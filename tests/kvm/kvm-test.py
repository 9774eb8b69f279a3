#!/usr/bin/env python3
"""Run one test of the kvm suite wherever KVM can be had.

Usage: kvm-test.py MANIFEST NAME

MANIFEST (written by tests/kvm/meson.build) has one line per test of the
suite: its name, then its command and arguments, tab-separated.

- When this host's /dev/kvm opens, the test runs here, as it is (same
  output, same status).
- Otherwise, when the rig is there (../shared/rig or $CVMM_RIG), the whole
  suite runs inside ONE rig boot, in the order of the manifest, LANES
  tests at a time: the first test of a `meson test` run boots the rig for
  all of them and keeps each test's output and status in rig-results/
  next to the manifest; the others wait for it (a lock) and take theirs.
  Run alone, a test still costs the whole suite's rig run. Files named on
  a command line are copied in, and so are the host programs the scripts
  need that the rig's busybox lacks (bash, python3 with the modules the
  tests import, getent, script).
- Without either it exits 77 with one line: "skipped: why".
"""
import errno
import fcntl
import importlib.util
import os
import py_compile
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "rig"))
import rigrun  # noqa: E402

SKIP = 77
# Host programs the kvm tests use that busybox does not have.
HOST_TOOLS = ("bash", "python3", "getent", "script")
# Seconds for one test inside the rig, and for the rig run as a whole.
TEST_TIMEOUT = 600
# The environment the sanitizer runtimes read goes in with the tests.
PASS_ENV = re.compile(r"^(ASAN|UBSAN|LSAN)_OPTIONS$")


def read_manifest(path):
    tests = []
    with open(path) as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            if fields[0]:
                tests.append((fields[0], fields[1:]))
    return tests


def host_kvm():
    """None if this host's /dev/kvm opens, else why not."""
    try:
        os.close(os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC))
        return None
    except OSError as e:
        return "this host's /dev/kvm cannot be opened (%s)" % (
            errno.errorcode.get(e.errno, e.strerror))


def session_key():
    """The `meson test` run this test belongs to: its parent, with the
    parent's start time so that a reused pid is another run."""
    ppid = os.getppid()
    try:
        with open("/proc/%d/stat" % ppid) as f:
            start = f.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return "pid%d" % os.getpid()
    return "%d-%s" % (ppid, start)


def host_tool(name):
    """The system's program (the default PATH: a distribution's python3 is
    far smaller than a virtualenv's or pyenv's), else the one in PATH."""
    return shutil.which(name, path=os.defpath) or shutil.which(name)


def python_closure(python, scripts):
    """(prefix dir, [files]) of the modules the scripts import, as the
    given python loads them (with everything they import themselves)."""
    mods = set()
    pattern = re.compile(r"^\s*(?:import|from)\s+([A-Za-z_][\w.]*)", re.M)
    for path in scripts:
        try:
            with open(path, errors="replace") as f:
                mods.update(pattern.findall(f.read()))
        except OSError:
            pass
    code = ("import importlib, sys\n"
            "for m in sys.argv[1:]:\n"
            "    try: importlib.import_module(m)\n"
            "    except ImportError: pass\n"
            "print(sys.prefix)\n"
            "for m in list(sys.modules.values()):\n"
            "    f = getattr(m, '__file__', None)\n"
            "    if f: print(f)\n")
    out = subprocess.run([python, "-I", "-c", code] + sorted(mods),
                         stdout=subprocess.PIPE, text=True, check=True).stdout
    lines = out.splitlines()
    return lines[0], sorted(set(lines[1:]))


def stage_python(python, scripts, tmp, files, env):
    """Copy python3's modules into the rig under their own paths, with
    byte code that needs no source timestamps (the copy does not keep
    them), so that each python3 in the rig starts without compiling."""
    prefix, modules = python_closure(python, scripts)
    root = os.path.join(tmp, "pyroot")
    for src in modules:
        if not src.startswith(prefix + os.sep):
            continue
        dst = root + src
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(src, dst)
        if src.endswith(".py"):
            py_compile.compile(
                src, cfile=importlib.util.cache_from_source(dst), doraise=True,
                invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    files.append("%s:%s" % (root + prefix, prefix))
    env.append("PYTHONHOME=" + prefix)


def rig_argv(argv, files, staged):
    """argv with every host file it names replaced by its copy in the rig."""
    out = []
    for arg in argv:
        if os.path.isabs(arg) and os.path.exists(arg):
            if arg not in staged:
                staged[arg] = "/job/in/%d/%s" % (len(staged),
                                                 os.path.basename(arg))
                files.append("%s:%s" % (arg, staged[arg]))
            arg = staged[arg]
        out.append(arg)
    return out


# The rig has only root in /etc/passwd; the tests switch to nobody.
PROLOGUE = """
grep -q '^nobody:' /etc/passwd ||
	echo 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >>/etc/passwd
grep -q '^nogroup:' /etc/group || echo 'nogroup:x:65534:' >>/etc/group
"""


# The tests run side by side in this many lanes, on as many rig vCPUs: a
# lane takes the next test nobody has taken (mkdir is the claim), keeping
# its output and status in /tmp; then each case prints one test's. One
# lane: with two, on a loaded 2-core host under ASan, the test guest's
# 4-vCPU scenario found only 2 of its vCPUs up within its spin count.
LANES = 1
LANE = """
lane() {
	for i in %s; do
		mkdir /tmp/kvm-claim-$i 2>/dev/null || continue
		t0=$(cut -d. -f1 /proc/uptime)
		run_test $i >/tmp/kvm-out-$i 2>&1
		echo $? >/tmp/kvm-status-$i
		echo "(in the rig: $(($(cut -d. -f1 /proc/uptime) - t0)) s)" \
			>>/tmp/kvm-out-$i
	done
}
"""
CASE = """cat /tmp/kvm-out-%d
s=$(cat /tmp/kvm-status-%d) || echo "FAIL: the test left no status"
(exit ${s:-1})"""


def lanes_script(cmds):
    """The prologue that runs every command (shell-quoted) in the lanes."""
    out = [PROLOGUE, "run_test() {", "\tcase $1 in"]
    for i, cmd in enumerate(cmds):
        out.append("\t%d) timeout %d %s ;;" % (i, TEST_TIMEOUT, cmd))
    out += ["\tesac", "}", LANE % " ".join(str(i) for i in range(len(cmds)))]
    out.append("lane & " * LANES + "wait")
    return "\n".join(out)


def run_in_rig(tests, results):
    """Run every test of the manifest in one rig boot; write NAME.out and
    NAME.status into results (every test failed if the run did)."""
    files, env, staged = [], [], {}
    with tempfile.TemporaryDirectory() as tmp:
        for tool in HOST_TOOLS:
            path = host_tool(tool)
            if path:
                files.append("%s:/job/%s" % (path, tool))
                if tool == "python3":
                    scripts = [a for _, argv in tests for a in argv
                               if os.path.isfile(a)]
                    stage_python(path, scripts, tmp, files, env)
        cmds = [" ".join(shlex.quote(a) for a in rig_argv(argv, files, staged))
                for _, argv in tests]
        cases = [rigrun.Case(name, [], shell=CASE % (i, i))
                 for i, (name, _) in enumerate(tests)]
        env += ["%s=%s" % (k, v) for k, v in os.environ.items()
                if PASS_ENV.match(k)]
        ok, why = rigrun.run(None, cases, files=files, env=env,
                             prologue=lanes_script(cmds), smp=LANES,
                             timeout=TEST_TIMEOUT * len(cases) + 120)
    for case in cases:
        if not ok:
            case.status = 1
            case.output = "FAIL: the rig run of the kvm suite: %s\n" % why
        with open(os.path.join(results, case.name + ".out"), "w") as f:
            f.write(case.output)
        with open(os.path.join(results, case.name + ".status"), "w") as f:
            f.write("%d\n" % case.status)


def rig_result(manifest, tests, name):
    """(status, output) of NAME from this meson run's rig boot, running
    it first if no other test of the run has."""
    base = os.path.join(os.path.dirname(os.path.abspath(manifest)),
                        "rig-results")
    os.makedirs(base, exist_ok=True)
    results = os.path.join(base, session_key())
    with open(os.path.join(base, "lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.isdir(results):
            for old in os.listdir(base):
                if old != "lock":
                    shutil.rmtree(os.path.join(base, old), ignore_errors=True)
            os.makedirs(results + ".tmp")
            run_in_rig(tests, results + ".tmp")
            os.rename(results + ".tmp", results)
    with open(os.path.join(results, name + ".status")) as f:
        status = int(f.read())
    with open(os.path.join(results, name + ".out")) as f:
        return status, f.read()


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: kvm-test.py MANIFEST NAME")
    manifest, name = sys.argv[1:]
    tests = read_manifest(manifest)
    argv = dict(tests).get(name)
    if argv is None:
        sys.exit("kvm-test.py: no test %r in %s" % (name, manifest))
    why_host = host_kvm()
    if why_host is None:
        os.execv(argv[0], argv)
    rig, why_rig = rigrun.rig_dir()
    if rig is None:
        print("skipped: %s and %s" % (why_host, why_rig))
        sys.exit(SKIP)
    print("%s: running the kvm suite in the rig (%s)" % (why_host, rig))
    sys.stdout.flush()
    status, output = rig_result(manifest, tests, name)
    sys.stdout.write(output)
    sys.exit(status)


if __name__ == "__main__":
    main()
