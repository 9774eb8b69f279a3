#!/usr/bin/env python3
"""Build a busybox initramfs (cpio "newc") for Linux guests in the rig.

Written here rather than with cpio(1) so that it needs no root for the
/dev/console node: the kernel opens /dev/console before running /init, and
without it /init has no stdout.

    img = initramfs.Image()
    img.add_file("init", init_script, 0o755)
    img.add_file("lib/virtio_blk.ko", data)    # directories are implied
    open(path, "wb").write(img.cpio())
"""
import os
import shutil
import stat

BUSYBOX_PATHS = ("/bin/busybox", "/usr/bin/busybox")


def find_busybox():
    """A static busybox for the guest, or None."""
    for p in BUSYBOX_PATHS:
        if os.path.exists(p):
            return p
    return shutil.which("busybox")


class Image:
    """Files of an initramfs, with busybox and /dev/console already in."""

    def __init__(self, busybox=None):
        self.entries = []
        self.dirs = set()
        for d in ("dev", "proc", "sys", "tmp", "bin"):
            self.add_dir(d)
        self.entries.append(("dev/console", stat.S_IFCHR | 0o600, b"",
                             (5, 1)))
        with open(busybox or find_busybox(), "rb") as f:
            self.add_file("bin/busybox", f.read(), 0o755)

    def add_dir(self, path):
        parts = path.strip("/").split("/")
        for i in range(1, len(parts) + 1):
            d = "/".join(parts[:i])
            if d not in self.dirs:
                self.dirs.add(d)
                self.entries.append((d, stat.S_IFDIR | 0o755, b"", (0, 0)))

    def add_file(self, path, data, mode=0o644):
        path = path.strip("/")
        if "/" in path:
            self.add_dir(path.rsplit("/", 1)[0])
        if isinstance(data, str):
            data = data.encode()
        self.entries.append((path, stat.S_IFREG | mode, data, (0, 0)))

    def cpio(self):
        out = bytearray()
        trailer = [("TRAILER!!!", 0, b"", (0, 0))]
        for ino, (name, mode, data, rdev) in enumerate(self.entries + trailer,
                                                       1):
            nb = name.encode() + b"\0"
            fields = (ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0],
                      rdev[1], len(nb), 0)
            out += ("070701" + "".join("%08X" % v for v in fields)).encode()
            out += nb
            out += b"\0" * (-len(out) % 4)
            out += data
            out += b"\0" * (-len(out) % 4)
        return bytes(out)
