#!/usr/bin/env python3
"""The ELF vmlinux inside a bzImage, for booting it through its PVH entry
(cvmm --kernel vmlinux, QEMU -kernel vmlinux): the setup header's
payload_offset and payload_length (0x248, 0x24c) locate the compressed
kernel after the setup sectors. Debian's kernel compresses it with zstd."""
import os
import subprocess

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


def extract(bzimage, tmp):
    """Write the vmlinux of a zstd bzImage into tmp; return its path, or
    raise ValueError saying why it cannot."""
    with open(bzimage, "rb") as f:
        img = f.read()
    setup = ((img[0x1f1] or 4) + 1) * 512
    off = int.from_bytes(img[0x248:0x24c], "little")
    length = int.from_bytes(img[0x24c:0x250], "little")
    payload = img[setup + off:setup + off + length]
    if payload[:4] != ZSTD_MAGIC:
        raise ValueError("%s's payload is not zstd" % bzimage)
    out = os.path.join(tmp, "vmlinux")
    # The payload ends with the decompressed size, which zstd does not want.
    subprocess.run(["zstd", "-q", "-d", "-f", "-o", out],
                   input=payload[:-4], check=True)
    return out
