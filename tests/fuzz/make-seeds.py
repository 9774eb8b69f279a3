#!/usr/bin/env python3
"""Write the hand-made seeds of the binary fuzz targets into corpus/.

Each seed is a small input in the target's own format (see the comments
at the top of each fuzz-*.c) that reaches one interesting path, so that
a bounded run starts from everything worth mutating; the name says what
it does. fuzz-config's seeds are copies of examples/*.json plus a few
broken configs, kept as files. Usage: make-seeds.py [CORPUS_DIR]
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# fake_mem_pick_gpa(): a selector, then a base index and a page delta.
BASES = {"0": 0, "2M": 1, "4M": 2, "6M": 3, "8M": 4, "R3": 5, "R3end": 6,
         "3G": 7, "ioapic": 8, "top": 9, "2^52": 10}


def gpa(base, pages=0, offset=None):
    """A GPA near a base, in pages; offset makes it unaligned."""
    if offset is None:
        return bytes([2, BASES[base]]) + struct.pack("<h", pages)
    return bytes([1, BASES[base]]) + struct.pack("<hH", pages, offset)


def raw_gpa(value):
    return bytes([0]) + struct.pack("<Q", value)


# fuzz-map-gpa-range and fuzz-memory-fault share these operations.
FLUSH = bytes([0])


def fail_next(calls=0, errno_index=0):
    return bytes([1, calls | errno_index << 2])


def map_req(where, npages, attrs):
    """MAP_GPA_RANGE: small counts and attributes, or raw 64-bit ones."""
    small_attrs = attrs == attrs & 0x13
    out = bytes([2]) + where
    out += bytes([0 if npages <= 1024 else 255, attrs if small_attrs else 255])
    out += struct.pack("<H", npages - 1) if npages <= 1024 \
        else struct.pack("<Q", npages)
    return out if small_attrs else out + struct.pack("<Q", attrs)


PRIVATE, SZ_2M, SZ_1G = 0x10, 0x01, 0x02

MAP_SEEDS = {
    "private-then-shared": bytes([0]) + map_req(gpa("0", 16), 8, PRIVATE)
    + map_req(gpa("0", 16), 8, 0) + FLUSH,
    "2m-hint-both-ways": bytes([0]) + map_req(gpa("2M"), 512, PRIVATE | SZ_2M)
    + map_req(gpa("2M"), 512, SZ_2M) + FLUSH,
    "msr-stream-coalesced": bytes([0])
    + b"".join(map_req(gpa("0", 600 + i), 1, PRIVATE) for i in range(12))
    + b"".join(map_req(gpa("0", 600 + i), 1, 0) for i in range(12)) + FLUSH,
    "uncoalesced-anonymous-preallocated": bytes([1 | 2 | 4 | 8])
    + map_req(gpa("R3", 3), 40, PRIVATE) + map_req(gpa("R3", 20), 4, 0)
    + map_req(gpa("R3"), 512, 0),
    "kvm-fails-midway": bytes([0]) + map_req(gpa("0", 10), 1, PRIVATE)
    + map_req(gpa("0", 12), 1, PRIVATE) + fail_next(1, 1)
    + map_req(gpa("0", 8), 8, 0) + map_req(gpa("0", 8), 8, PRIVATE),
    "across-regions-and-hole": bytes([0])
    + map_req(gpa("2M", -4), 8, PRIVATE) + map_req(gpa("4M", -2), 8, PRIVATE)
    + map_req(gpa("4M", -2), 1024, 0) + map_req(gpa("6M"), 4, PRIVATE),
    # snp_begin_psc() resuming a 2M entry at cur_page 3: 4K-aligned, 2M hint
    "snp-partial-2m-entry": bytes([0]) + map_req(gpa("2M"), 3, PRIVATE)
    + map_req(gpa("2M", 3), 509, PRIVATE | SZ_2M)
    + map_req(gpa("2M", 100), 412, SZ_2M) + FLUSH,
    "hostile-arguments": bytes([0]) + map_req(gpa("top"), 2, PRIVATE)
    + map_req(gpa("0", 1), 1 << 53, PRIVATE)
    + map_req(gpa("0", 0, 1), 1, PRIVATE)
    + map_req(gpa("0"), 1, 1 << 63) + map_req(gpa("0"), 3, PRIVATE | SZ_2M)
    + map_req(gpa("0"), 512, PRIVATE | SZ_1G) + map_req(gpa("ioapic"), 1, 0)
    + map_req(raw_gpa(0xfffffffffffff000), 1, PRIVATE | 3),
}


def fault(where, size, flags):
    """A memory fault: access size 1..64, whole pages, or raw."""
    extra = b""
    if 1 <= size <= 64:
        s = size - 1
    elif size % 4096 == 0 and 0 < size <= 8 * 4096:
        s = 200 + size // 4096 - 1
    else:
        s, extra = 255, struct.pack("<Q", size)
    if flags in (0, 8):
        f = flags
    else:
        f, extra = 255, extra + struct.pack("<Q", flags)
    return bytes([4]) + where + bytes([s, f]) + extra


def convert(where, npages, private):
    return bytes([2]) + where + bytes([npages - 1, PRIVATE if private else 0])


FPRIV = 8
FAULT_SEEDS = {
    "implicit-private-then-again": bytes([0]) + fault(gpa("0", 30), 8, FPRIV)
    + fault(gpa("0", 30), 8, FPRIV) + fault(gpa("0", 30), 8, 0) + FLUSH,
    "straddling-pages": bytes([0]) + fault(gpa("0", 40, 4090), 16, FPRIV)
    + fault(gpa("2M", -1, 4095), 2, FPRIV),
    "after-explicit": bytes([1 | 4 | 16]) + convert(gpa("R3", 5), 16, True)
    + fault(gpa("R3", 8), 4096, 0) + fault(gpa("R3", 8), 4096, FPRIV),
    "policy-deny": bytes([8]) + fault(gpa("0", 3), 8, FPRIV),
    "hostile-faults": bytes([0]) + fault(gpa("4M"), 8, FPRIV)
    + fault(gpa("6M"), 8, FPRIV) + fault(gpa("0"), 8, 0x18)
    + fault(raw_gpa(0xfffffffffffffff8), 16, FPRIV)
    + fault(gpa("0"), 0, FPRIV) + fault(gpa("top"), 4096, 0),
    "kvm-fails": bytes([0]) + fail_next(0, 1) + fault(gpa("0", 9), 8, FPRIV)
    + fault(gpa("0", 9), 8, FPRIV),
}

# fuzz-bus: targets[] in fuzz-bus.c; an access names one and an offset.
UART, DEBUG, POST, CMOS, I8042, ACPI, PCI, ECAM = range(8)
EXIT, PARK, TEST = 0, 4, 8   # offsets in the DEBUG target


def access(target, offset, size, write, value=0, how_extra=0):
    how = {1: 0, 2: 1, 4: 2, 8: 3}[size] | (4 if write else 0) | how_extra
    return bytes([3, target, how]) + struct.pack("<QI", value, offset + 4)


def mmio(addr, size, write, value=0):
    how = {1: 0, 2: 1, 4: 2, 8: 3}[size] | (4 if write else 0) | 0x18
    return bytes([3, 255, how]) + struct.pack("<QQ", value, addr)


def poke(offset, data):
    return bytes([0, offset, len(data)]) + data


def uart_out(text):
    return b"".join(access(UART, 0, 1, True, c) for c in text)


# struct bootinfo_req: cmd u32, status u32, gpa, len, arg, out[8]
def test_request(cmd, gpa_, length):
    return poke(8, struct.pack("<Q", gpa_)) \
        + poke(16, struct.pack("<Q", length)) \
        + access(DEBUG, TEST, 4, True, cmd)


def pci_cfg(devfn, reg, size, write, value=0):
    """Mechanism #1: address to 0xcf8, then data at 0xcfc."""
    address = 0x80000000 | devfn << 8 | (reg & 0xfc)
    return access(PCI, 0, 4, True, address) \
        + access(PCI, 4 + (reg & 3), size, write, value)


BUS_SEEDS = {
    "uart-init-and-print": access(UART, 3, 1, True, 0x80)
    + access(UART, 0, 1, True, 1) + access(UART, 1, 1, True, 0)
    + access(UART, 3, 1, True, 3) + access(UART, 1, 1, True, 3)
    + uart_out(b"hi\n") + access(UART, 5, 1, False)
    + access(UART, 2, 1, False),
    "uart-loopback-and-input": access(UART, 4, 1, True, 0x1f)
    + uart_out(b"loop") + access(UART, 0, 1, False)
    + access(UART, 6, 1, False) + bytes([1, 5]) + b"input"
    + access(UART, 2, 1, True, 0x07) + access(UART, 0, 2, False)
    + access(UART, 6, 4, True, 0xffffffff) + bytes([2]),
    "test-port-requests": test_request(1, 0x200000, 0x200000)
    + test_request(2, 0x100000, 0x4000) + test_request(3, 0, 0)
    + test_request(2, 0xfffffffffffff000, 0x2000) + test_request(9, 0, 0)
    + access(DEBUG, TEST + 2, 2, True, 0xffff),
    "debug-ports": access(DEBUG, EXIT, 4, False)
    + access(DEBUG, PARK, 4, True, 1) + access(DEBUG, EXIT, 1, True, 7)
    + access(DEBUG, EXIT + 2, 4, True, 300) + mmio(0xfee00000, 4, True)
    + mmio(0xffffffffffffffff, 8, False),
    "pc-legacy-ports": access(POST, 0, 1, True, 0x55)
    + access(CMOS, 0, 1, True, 0x0a) + access(CMOS, 1, 1, False)
    + access(CMOS, 0, 1, True, 0x8b) + access(CMOS, 1, 1, True, 0x02)
    + access(CMOS, 0, 1, True, 0x7f) + access(CMOS, 1, 1, False)
    + access(I8042, 4, 1, False) + access(I8042, 0, 1, False)
    + access(ACPI, 1, 1, False) + access(ACPI, 0, 1, True, 5 << 2 | 0x20)
    + access(ACPI, 2, 1, True, 0x42) + access(I8042, 4, 1, True, 0xfe),
    "pci-config": pci_cfg(0, 0, 4, False) + pci_cfg(0, 0x10, 4, True,
                                                       0xffffffff)
    + pci_cfg(0, 0x10, 4, False) + pci_cfg(0, 0x3e, 2, False)
    + pci_cfg(8, 0, 4, False) + access(PCI, 0, 2, True, 0xffff)
    + access(PCI, 7, 1, False) + access(ECAM, 0, 4, False)
    + access(ECAM, 0x04, 2, True, 0x7) + access(ECAM, 0xffc, 4, False)
    + access(ECAM, 0x8000 + 0x10, 4, True, 0xffffffff)
    + access(ECAM, 0xfffff, 1, False),
}

# fuzz-exit: setup byte, then per exit a reason selector (index into
# reasons[]), 256 bytes of kvm_run, 16 bytes of the PIO page, an aim byte.
R_IO, R_MMIO, R_HC, R_MF, R_SYS, R_TDX, R_HLT, R_SHUT, R_INTERR = range(9)
KVM_HC_MAP_GPA_RANGE = 12


def kvm_run(fields):
    run = bytearray(256)
    for off, fmt, value in fields:
        struct.pack_into(fmt, run, off, value)
    return bytes(run)


def exit_(reason, fields=(), aim=0, pio_data=b"", extra=b""):
    return bytes([reason]) + kvm_run(fields) + pio_data.ljust(16, b"\0") \
        + bytes([aim]) + extra


def io(direction, size, count, offset, aim):
    return [(32, "<B", direction), (33, "<B", size), (36, "<I", count),
            (40, "<Q", offset)], aim


EXIT_SEEDS = {
    "io-out-uart": bytes([0]) + exit_(R_IO, *io(1, 1, 3, 4096, 0x14),
                                      pio_data=b"ok\n"),
    "io-string-in-test-port": bytes([0]) + exit_(R_IO, *io(0, 4, 64, 4096,
                                                            0x12)),
    "io-data-offset-wraps": bytes([0]) + exit_(
        R_IO, *io(0, 4, 0x400, 0xfffffffffffff000, 0)),
    # Data over kvm_run's own io.count: reads must not extend the loop.
    "io-in-over-kvm-run": bytes([0])
    + exit_(R_IO, *io(1, 1, 1, 4096, 0x82), pio_data=b"\x10")
    + exit_(R_IO, *io(1, 1, 16, 4096, 0), pio_data=b"\xff" * 16)
    + exit_(R_IO, *io(0, 1, 16, 36, 0)),
    "mmio-unknown": bytes([0]) + exit_(R_MMIO, [(32, "<Q", 0xfed00000),
                                              (48, "<I", 4), (52, "<B", 1)]),
    "hypercall-map-private": bytes([0]) + exit_(
        R_HC, [(32, "<Q", KVM_HC_MAP_GPA_RANGE), (48, "<Q", 16),
               (56, "<Q", PRIVATE)], aim=7, extra=gpa("0", 64)),
    "memory-fault-private": bytes([4]) + exit_(
        R_MF, [(32, "<Q", FPRIV), (48, "<Q", 8)], aim=3, extra=gpa("0", 80))
    + exit_(R_MF, [(32, "<Q", FPRIV), (48, "<Q", 8)], aim=3,
            extra=gpa("0", 80)),
    "system-events": bytes([0]) + exit_(R_SYS, [(32, "<I", 1)])
    + exit_(R_SYS, [(32, "<I", 5), (36, "<I", 2)])
    + exit_(R_SYS, [(32, "<I", 9), (36, "<I", 300)]),
    "tdx-vmcalls": bytes([1]) + exit_(R_TDX, [(40, "<Q", 0x10000)])
    + exit_(R_TDX, [(40, "<Q", 0x10002)]) + exit_(R_TDX, [(32, "<Q", 2)]),
    "hlt-shutdown-internal-error": bytes([0]) + exit_(R_HLT)
    + exit_(R_SHUT) + exit_(R_INTERR, [(36, "<I", 200)]),
}

ALL = {
    "fuzz-map-gpa-range": MAP_SEEDS,
    "fuzz-memory-fault": FAULT_SEEDS,
    "fuzz-bus": BUS_SEEDS,
    "fuzz-exit": EXIT_SEEDS,
}


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus")
    for target, seeds in ALL.items():
        d = os.path.join(root, target)
        os.makedirs(d, exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
