#!/usr/bin/env python3
"""Write the hand-made seeds of fuzz-virtqueue and fuzz-virtio-pci into
corpus/. Each seed reaches one path worth mutating (a good request of each
device, and each way a chain or a driver can go wrong); the name says
which. Usage: make-virtio-seeds.py [CORPUS_DIR]

make-virtio-seeds.py --check (a unit test) fails when the targets'
operation numbers (enum op) are not those written here, or when the
committed corpus is not what this script writes: a seed whose kind bytes
meant another operation than its name says would otherwise go unnoticed
(as "rings-go-private" did when the BAR move became operation 8).
"""
import os
import re
import struct
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

# fuzz-virtqueue: setup bits, lengths by index (pick_len), operations
# (enum op in fuzz-virtqueue.c, checked by --check).
VQ_OPS = {"OP_DESC": 0, "OP_PUBLISH": 1, "OP_AVAIL_IDX": 2, "OP_CONVERT": 3,
          "OP_CONVERT_TOO": 4, "OP_RUN": 5, "OP_AVAIL_WORD": 6,
          "OP_INDIRECT": 7, "OP_DATA": 8, "OP_PACKET": 9,
          "OP_RINGS_PRIVATE": 10}
VQ = {k[3:].lower(): v for k, v in VQ_OPS.items()}
RAW, BLK, RNG, CONSOLE, NET = range(5)
INDIRECT, EVENT_IDX, READONLY = 0x08, 0x10, 0x20
LEN = {0: 0, 1: 1, 16: 2, 512: 3, 4096: 4, 0xffffffff: 9, 12: 10,
       1514: 11, 48: 16}
NEXT, WRITE, IND = 1, 2, 4
HOLE = 2  # fake_mem_pick_gpa()'s base index of the 4 MiB hole


def setup(kind, flags=0, queue=0, size_log2=7):
    return bytes([kind | flags | queue << 6, size_log2])


def buf(page, offset=0):
    """A GPA in the buffer area: page 0-63, offset a multiple of 16."""
    return bytes([page, offset])


def hole():
    return bytes([0xc2, 2, HOLE]) + struct.pack("<h", 0)


def desc_body(where, length, flags, nxt=0):
    return where + bytes([LEN[length], flags, nxt])


def desc(i, where, length, flags, nxt=0):
    return bytes([VQ["desc"], i]) + desc_body(where, length, flags, nxt)


def avail(head):
    return bytes([VQ["publish"], head])


def avail_idx(v):
    return bytes([VQ["avail_idx"]]) + struct.pack("<H", v)


def private(where, pages=1):
    return bytes([VQ["convert"], 1]) + where + bytes([pages - 1])


RUN = bytes([VQ["run"]])


def indirect(where, descs):
    out = bytes([VQ["indirect"]]) + where + bytes([len(descs)])
    for d in descs:
        out += desc_body(*d)
    return out


def data(where, payload):
    payload = payload.ljust(16, b"\0")
    return bytes([VQ["data"]]) + where + payload + bytes([16])


def packet(length, fill=0x11):
    return bytes([VQ["packet"]]) + struct.pack("<H", length) + bytes([fill])


def rings_private(which):
    return bytes([VQ["rings_private"], which])


def blk_hdr(kind, sector=0):
    return struct.pack("<IIQ", kind, 0, sector)


def blk_request(kind, data_flags=WRITE | NEXT, data_at=buf(1),
                length=512):
    """Header at page 0, data at page 1, status at page 2; head 0."""
    return (data(buf(0), blk_hdr(kind, 1))
            + desc(0, buf(0), 16, NEXT, 1)
            + desc(1, data_at, length, data_flags, 2)
            + desc(2, buf(2), 1, WRITE)
            + avail(0))


VQ_SEEDS = {
    "blk-read": setup(BLK) + blk_request(0) + RUN,
    "blk-write": setup(BLK) + blk_request(1, NEXT) + RUN,
    "blk-write-readonly": setup(BLK, READONLY) + blk_request(1, NEXT) + RUN,
    "blk-flush-getid-unsupported": setup(BLK)
    + data(buf(0), blk_hdr(4)) + desc(0, buf(0), 16, NEXT, 1)
    + desc(1, buf(2), 1, WRITE) + avail(0) + RUN
    + data(buf(3), blk_hdr(8)) + desc(2, buf(3), 16, NEXT, 3)
    + desc(3, buf(4), 48, WRITE) + avail(2) + RUN
    + data(buf(5), blk_hdr(99)) + desc(4, buf(5), 16, NEXT, 5)
    + desc(5, buf(6), 1, WRITE) + avail(4) + RUN,
    "blk-beyond-capacity": setup(BLK)
    + data(buf(0), blk_hdr(0, 1 << 40)) + desc(0, buf(0), 16, NEXT, 1)
    + desc(1, buf(1), 512, WRITE | NEXT, 2) + desc(2, buf(2), 1, WRITE)
    + avail(0) + RUN,
    "blk-loop": setup(BLK) + desc(0, buf(0), 16, NEXT, 1)
    + desc(1, buf(1), 512, WRITE | NEXT, 0) + avail(0) + RUN,
    "blk-next-beyond-table": setup(BLK, size_log2=2)
    + desc(0, buf(0), 16, NEXT, 200) + avail(0) + RUN,
    "blk-data-in-private-page": setup(BLK) + private(buf(1))
    + blk_request(0) + RUN,
    "blk-status-in-private-page": setup(BLK) + private(buf(2))
    + blk_request(0) + RUN,
    "blk-data-in-hole": setup(BLK) + blk_request(0, data_at=hole()) + RUN,
    "blk-huge-length": setup(BLK)
    + blk_request(0, length=0xffffffff) + RUN,
    "blk-readable-after-writable": setup(BLK)
    + blk_request(0, data_flags=WRITE | NEXT)
    + desc(2, buf(2), 1, 0) + RUN,
    "blk-indirect": setup(BLK, INDIRECT) + data(buf(0), blk_hdr(0))
    + indirect(buf(8), [(buf(0), 16, NEXT, 1), (buf(1), 512, WRITE | NEXT, 2),
                        (buf(2), 1, WRITE, 0)])
    + desc(0, buf(8), 48, IND) + avail(0) + RUN,
    "blk-indirect-not-negotiated": setup(BLK) + data(buf(0), blk_hdr(0))
    + indirect(buf(8), [(buf(0), 16, NEXT, 1), (buf(2), 1, WRITE, 0)])
    + desc(0, buf(8), 48, IND) + avail(0) + RUN,
    "blk-indirect-nested": setup(BLK, INDIRECT)
    + indirect(buf(8), [(buf(9), 16, IND, 0)])
    + indirect(buf(9), [(buf(2), 1, WRITE, 0)])
    + desc(0, buf(8), 16, IND) + avail(0) + RUN,
    "blk-indirect-loop": setup(BLK, INDIRECT)
    + indirect(buf(8), [(buf(0), 16, NEXT, 1), (buf(1), 16, NEXT, 0)])
    + desc(0, buf(8), 48, IND) + avail(0) + RUN,
    "blk-event-idx-many": setup(BLK, EVENT_IDX) + blk_request(0)
    + avail(0) + avail(0) + RUN + avail(0) + RUN,
    "blk-head-beyond-queue": setup(BLK, size_log2=3) + avail(9) + RUN,
    "blk-avail-idx-garbage": setup(BLK) + blk_request(0) + avail_idx(0x8000)
    + RUN,
    "blk-rings-go-private": setup(BLK) + blk_request(0) + rings_private(1)
    + RUN,
    "rng-read": setup(RNG) + desc(0, buf(0), 4096, WRITE) + avail(0) + RUN,
    "rng-chain-into-hole": setup(RNG) + desc(0, buf(0), 16, WRITE | NEXT, 1)
    + desc(1, hole(), 4096, WRITE) + avail(0) + RUN,
    "console-output": setup(CONSOLE, queue=1)
    + data(buf(0), b"hello, hvc0\n") + desc(0, buf(0), 12, 0) + avail(0)
    + RUN,
    "net-receive": setup(NET) + desc(0, buf(0), 1514, WRITE) + avail(0)
    + packet(100) + RUN + desc(1, buf(1), 12, WRITE) + avail(1)
    + packet(60) + RUN,
    "net-receive-no-buffers": setup(NET) + packet(100) + RUN,
    "net-transmit": setup(NET, queue=1) + data(buf(0), bytes(12))
    + desc(0, buf(0), 12, NEXT, 1) + desc(1, buf(1), 512, 0) + avail(0)
    + RUN,
    "raw-chains": setup(RAW, INDIRECT | EVENT_IDX)
    + desc(0, buf(0), 16, NEXT, 1) + desc(1, buf(1), 4096, WRITE)
    + avail(0) + avail(1) + private(buf(1)) + avail(0) + RUN,
    "raw-queue-size-invalid": bytes([RAW, 0xf0]) + struct.pack("<H", 3)
    + RUN,
}


# fuzz-virtio-pci: devices 0 blk, 1 net, 2 rng, 3 console in slots 1-4.
# Its operations (enum op in fuzz-virtio-pci.c, checked by --check).
PCI_OPS = {"OP_CONFIG": 0, "OP_CONFIG_TOO": 1, "OP_BAR": 2, "OP_START": 3,
           "OP_REQUEST": 4, "OP_DISPATCH": 5, "OP_STORE": 6, "OP_PACKET": 7,
           "OP_MOVE_BAR": 8, "OP_RING_PRIVATE": 9}
OP = {k[3:].lower(): v for k, v in PCI_OPS.items()}


def cfg(slot, reg, size, value=0, write=True, ecam=True):
    how = {1: 0, 2: 1, 4: 2}[size] | (4 if write else 0)
    return bytes([OP["config"], 1 if ecam else 0, how, slot]) + struct.pack(
        "<HI", reg, value)


def bar(dev, region, off, size, value=0, write=True):
    """region: 0 common, 1 ISR, 2 device, 3 notify, 4 MSI-X, 5 PBA."""
    how = {1: 0, 2: 1, 4: 2, 8: 3}[size] | (4 if write else 0) | region << 3
    return bytes([OP["bar"], how, dev, off]) + struct.pack("<Q", value)


def start(dev, arg=0x0e):
    """arg: bit 0 all features, bits 1-4 queue size log2, bit 7 no MSI-X."""
    return bytes([OP["start"], dev, arg])


def request(dev, q, i, flags, length, page, nxt=0):
    return bytes([OP["request"], dev, q, i, flags]) + struct.pack(
        "<H", length) + bytes([page, nxt])


def move_bar(dev, to=None, onto=None, decode_off=False, decode_on=False):
    """to: a BAR_SIZE slot above 0xc0000000, or onto another device's."""
    how = (1 if onto is not None else 0) | (2 if decode_off else 0) | (
        4 if decode_on else 0)
    where = bytes([onto]) if onto is not None else struct.pack("<H", to)
    return bytes([OP["move_bar"], dev, how]) + where


def packet_in(length):
    return bytes([OP["packet"], length])


def ring_private(dev):
    return bytes([OP["ring_private"], dev])


DISPATCH = bytes([OP["dispatch"]])

PCI_SEEDS = {
    "start-every-device": b"".join(start(d, 0x0f) for d in range(4))
    + DISPATCH,
    "requests-on-every-queue": b"".join(start(d, 0x0f) for d in range(4))
    + b"".join(request(d, q, 0, 2, 512, 1) for d in range(4)
               for q in range(2)) + packet_in(64) + DISPATCH + DISPATCH,
    "intx-and-isr": start(2, 0x8f) + request(2, 0, 0, 2, 64, 1) + DISPATCH
    + bar(2, 1, 0, 1, write=False) + bar(2, 1, 0, 1, write=False),
    "bar-sizing-and-move": cfg(1, 0x10, 4, 0xffffffff)
    + cfg(1, 0x10, 4, write=False) + cfg(1, 0x10, 4, 0xc0000000)
    + cfg(1, 0x04, 2, 2) + bar(0, 0, 0x14, 1, write=False)
    + cfg(1, 0x10, 4, 0xd0000000) + bar(0, 0, 0x14, 1, 1),
    "pci-cfg-window": cfg(1, 0x98 + 4, 1, 0) + cfg(1, 0x98 + 8, 4, 0x14)
    + cfg(1, 0x98 + 12, 4, 1) + cfg(1, 0x98 + 16, 4, write=False)
    + cfg(1, 0x98 + 16, 4, 3) + cfg(1, 0x98 + 8, 4, 0x1000)
    + cfg(1, 0x98 + 12, 4, 4),
    "ports-and-absent-slots": cfg(5, 0, 4, write=False, ecam=False)
    + cfg(1, 0, 4, write=False, ecam=False) + cfg(0, 0x3c, 1, 9, ecam=False),
    "unknown-feature-bits": cfg(3, 0x04, 2, 2) + bar(2, 0, 0x14, 1, 3)
    + bar(2, 0, 0x08, 4, 2) + bar(2, 0, 0x0c, 4, 1) + bar(2, 0, 0x14, 1, 0xb)
    + bar(2, 0, 0x14, 1, write=False),
    "no-version-1": cfg(3, 0x04, 2, 2) + bar(2, 0, 0x14, 1, 3)
    + bar(2, 0, 0x14, 1, 0xb) + bar(2, 0, 0x14, 1, 0xf),
    "msix-masked-pending-then-unmasked": start(2) + bar(2, 4, 16 + 12, 4, 1)
    + request(2, 0, 0, 2, 64, 1) + DISPATCH + bar(2, 5, 0, 8, write=False)
    + bar(2, 4, 16 + 12, 4, 0),
    "msix-route-refused": start(2) + bar(2, 4, 16 + 12, 4, 1)
    + bar(2, 4, 16 + 8, 4, 0xdead) + bar(2, 4, 16 + 12, 4, 0)
    + request(2, 0, 0, 2, 64, 1) + DISPATCH,
    "reset-with-queues-live": start(0) + request(0, 0, 0, 1, 16, 1, 1)
    + bar(0, 0, 0x14, 1, 0) + DISPATCH + start(0) + DISPATCH,
    "rings-go-private": start(2) + ring_private(2)
    + request(2, 0, 0, 2, 64, 1) + DISPATCH,
    # Queues live: the rng's BAR moved while decoding, with decoding off
    # and on again, then onto the disk's; a kick at each place.
    "bar-move-with-queues-live": start(2) + start(0)
    + move_bar(2, to=0x40) + request(2, 0, 0, 2, 64, 1) + DISPATCH
    + move_bar(2, to=0x48, decode_off=True, decode_on=True)
    + request(2, 0, 1, 2, 64, 2) + DISPATCH
    + move_bar(2, onto=0) + request(0, 0, 0, 1, 16, 1, 1) + DISPATCH,
    "queue-enable-bad-rings": cfg(3, 0x04, 2, 2) + bar(2, 0, 0x14, 1, 3)
    + bar(2, 0, 0x0c, 4, 0) + bar(2, 0, 0x08, 4, 1) + bar(2, 0, 0x0c, 4, 1)
    + bar(2, 0, 0x14, 1, 0xb) + bar(2, 0, 0x18, 2, 3)
    + bar(2, 0, 0x20, 8, 0x400000) + bar(2, 0, 0x1c, 2, 1),
}


def write(corpus, name, seeds):
    out = os.path.join(corpus, name)
    os.makedirs(out, exist_ok=True)
    for seed, data in seeds.items():
        with open(os.path.join(out, seed), "wb") as f:
            f.write(data)


def c_ops(path):
    """enum op of a fuzz target: {name: value}."""
    with open(path) as f:
        body = re.search(r"enum op \{(.*?)\};", f.read(), re.S).group(1)
    return {m.group(1): int(m.group(2))
            for m in re.finditer(r"(OP_\w+) = (\d+)", body)}


def check():
    bad = []
    for target, want in (("fuzz-virtqueue", VQ_OPS),
                         ("fuzz-virtio-pci", PCI_OPS)):
        ops = c_ops(os.path.join(HERE, target + ".c"))
        if ops != want:
            bad.append("%s.c's enum op is %s, the seeds use %s"
                       % (target, ops, want))
    with tempfile.TemporaryDirectory() as tmp:
        for name, seeds in (("fuzz-virtqueue", VQ_SEEDS),
                            ("fuzz-virtio-pci", PCI_SEEDS)):
            write(tmp, name, seeds)
            have = os.path.join(HERE, "corpus", name)
            for seed in sorted(set(seeds) | set(os.listdir(have))):
                a = os.path.join(have, seed)
                b = os.path.join(tmp, name, seed)
                if not (os.path.exists(a) and os.path.exists(b)
                        and open(a, "rb").read() == open(b, "rb").read()):
                    bad.append("corpus/%s/%s is not what this script writes"
                               % (name, seed))
    for b in bad:
        print("FAIL " + b)
    print("%d problems (run tests/fuzz/make-virtio-seeds.py)" % len(bad)
          if bad else "ok   the seeds match the targets' operations")
    return 1 if bad else 0


def main():
    if sys.argv[1:] == ["--check"]:
        return check()
    corpus = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE,
                                                                 "corpus")
    write(corpus, "fuzz-virtqueue", VQ_SEEDS)
    write(corpus, "fuzz-virtio-pci", PCI_SEEDS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
