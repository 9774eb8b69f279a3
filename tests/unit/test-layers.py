#!/usr/bin/env python3
"""The module layering of docs/architecture.md, checked from the includes.

Each product module may include headers of its own module and of modules
below it, never above (lib at the bottom, cli at the top), nothing under
tests/, and no two files may include each other in a loop. Run from
anywhere: it reads the source tree it sits in.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
# Bottom up; modules of one rank may not include each other. Devices
# read and write guest memory through memory/ (virtqueues, shared-page
# checks), so they sit just above it.
RANK = {"lib": 0, "config": 1, "guest": 1, "memory": 2, "devices": 3,
        "cc": 3, "vmm": 4, "cli": 5}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def module(path):
    return path.split("/", 1)[0]


def product_files():
    for mod in RANK:
        for dirpath, _, names in os.walk(os.path.join(ROOT, mod)):
            for name in names:
                if name.endswith((".c", ".h", ".S")):
                    full = os.path.join(dirpath, name)
                    yield os.path.relpath(full, ROOT)


def includes(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return INCLUDE.findall(f.read())


def upward(path, inc):
    """Why path may not include inc, or None."""
    mine, theirs = module(path), module(inc)
    if theirs == "tests":
        return "product code includes a test header"
    if theirs not in RANK or theirs == mine:
        return None
    if RANK[theirs] > RANK[mine]:
        return "%s/ sits below %s/" % (mine, theirs)
    if RANK[theirs] == RANK[mine]:
        return "%s/ and %s/ are side by side" % (mine, theirs)
    return None


def loops(graph):
    """Each include loop once, as a list of files."""
    found, state = [], {}

    def visit(node, stack):
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, ()):
            if state.get(nxt) == 1:
                found.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    return found


def main():
    problems = []
    graph = {}
    files = sorted(product_files())
    for path in files:
        for inc in includes(path):
            why = upward(path, inc)
            if why:
                problems.append("%s includes %s: %s" % (path, inc, why))
            if os.path.exists(os.path.join(ROOT, inc)):
                graph.setdefault(path, []).append(inc)
    for loop in loops(graph):
        problems.append("include loop: " + " -> ".join(loop))
    for p in problems:
        print("FAIL " + p)
    print("%d files, %d includes checked, %d problems"
          % (len(files), sum(len(v) for v in graph.values()), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
