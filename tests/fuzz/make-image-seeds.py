#!/usr/bin/env python3
"""Write the seeds of fuzz-kernel-image into corpus/: the smallest files
each parser accepts (a bzImage setup header; an ELF64 and an ELF32
vmlinux with two PT_LOAD segments and the PVH entry note), and a few each
refuses for one reason, the name says which. Usage:
make-image-seeds.py [CORPUS_DIR]
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def bzimage(setup_sects=1, version=0x020f, relocatable=1, payload=64,
            pref_address=0x1000000, init_size=0x100000):
    """A setup header (boot protocol, shared/spec/x86-boot.md) and a payload."""
    sects = setup_sects or 4
    b = bytearray((sects + 1) * 512 + payload)
    b[0x1f1] = setup_sects
    struct.pack_into("<H", b, 0x1fe, 0xaa55)
    b[0x200] = 0xeb
    b[0x201] = 0x6a                               # header ends at 0x26c
    b[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", b, 0x206, version)
    b[0x211] = 0x01                               # LOADED_HIGH
    struct.pack_into("<I", b, 0x22c, 0x7fffffff)  # initrd_addr_max
    struct.pack_into("<I", b, 0x230, 0x200000)    # kernel_alignment
    b[0x234] = relocatable
    struct.pack_into("<H", b, 0x236, 0x01)        # XLF_KERNEL_64
    struct.pack_into("<I", b, 0x238, 2047)        # cmdline_size
    struct.pack_into("<Q", b, 0x258, pref_address)
    struct.pack_into("<I", b, 0x260, init_size)
    for i in range((sects + 1) * 512, len(b)):
        b[i] = 0x90
    return bytes(b)


def note(name, ntype, desc):
    name += b"\0"
    pad = lambda s: s + b"\0" * (-len(s) % 4)
    return struct.pack("<III", len(name), len(desc), ntype) + pad(name) \
        + pad(desc)


def vmlinux(bits=64, entry=0x1000040, note_type=18, seg1_paddr=0x1200000):
    """Two PT_LOADs (0x100 bytes at 16 MiB; 0x80 bytes and bss above) and
    a PT_NOTE with a Linux note, then Xen's PHYS32_ENTRY."""
    ehsize, phsize = (64, 56) if bits == 64 else (52, 32)
    addr = "<Q" if bits == 64 else "<I"
    notes = note(b"Linux", 0x100, b"\0" * 4) \
        + note(b"Xen", note_type, struct.pack(addr, entry))
    notes_off = ehsize + 3 * phsize
    seg0_off = notes_off + len(notes)
    seg1_off = seg0_off + 0x100
    size = seg1_off + 0x80
    b = bytearray(size)
    b[0:7] = b"\x7fELF" + bytes([2 if bits == 64 else 1, 1, 1])
    struct.pack_into("<HHI", b, 16, 2, 62 if bits == 64 else 3, 1)
    struct.pack_into(addr, b, 24, 0x1000000)      # e_entry
    if bits == 64:
        struct.pack_into("<Q", b, 32, ehsize)     # e_phoff
        struct.pack_into("<HHH", b, 52, ehsize, phsize, 3)
    else:
        struct.pack_into("<I", b, 28, ehsize)
        struct.pack_into("<HHH", b, 40, ehsize, phsize, 3)

    def phdr(i, ptype, off, paddr, filesz, memsz, align):
        at = ehsize + i * phsize
        if bits == 64:
            struct.pack_into("<IIQQQQQQ", b, at, ptype, 5, off,
                             paddr | 0xffffffff80000000, paddr, filesz,
                             memsz, align)
        else:
            struct.pack_into("<IIIIIIII", b, at, ptype, off,
                             paddr | 0xc0000000, paddr, filesz, memsz, 5,
                             align)
    phdr(0, 1, seg0_off, 0x1000000, 0x100, 0x100, 0x200000)
    phdr(1, 1, seg1_off, seg1_paddr, 0x80, 0x1000, 0x200000)
    phdr(2, 4, notes_off, 0, len(notes), len(notes), 4)
    b[notes_off:notes_off + len(notes)] = notes
    b[seg0_off:seg0_off + 0x100] = b"\x90" * 0x100
    b[seg1_off:seg1_off + 0x80] = b"\xaa" * 0x80
    return bytes(b)


SEEDS = {
    "bzimage": bzimage(),
    "bzimage-setup-sects-0-fixed": bzimage(setup_sects=0, relocatable=0),
    # pref_address + init_size wraps past 2^64 into RAM: refused when
    # fixed, relocated when relocatable (bzimage_place() once took both).
    "bzimage-pref-address-wraps": bzimage(pref_address=0xffffffffffe00000,
                                          init_size=0x400000),
    "bzimage-pref-address-wraps-fixed": bzimage(
        relocatable=0, pref_address=0xfffffffffff00000),
    "bad-bzimage-protocol-2.06": bzimage(version=0x0206),
    "bad-bzimage-truncated": bzimage(payload=0),
    "vmlinux-elf64": vmlinux(),
    "vmlinux-elf32": vmlinux(bits=32),
    "bad-vmlinux-no-pvh-note": vmlinux(note_type=17),
    "bad-vmlinux-overlapping": vmlinux(seg1_paddr=0x1000080),
    "bad-vmlinux-entry-in-bss": vmlinux(entry=0x1200100),
    "bad-vmlinux-headers-truncated": vmlinux()[:64 + 56],
}


def main():
    corpus = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE,
                                                                 "corpus")
    out = os.path.join(corpus, "fuzz-kernel-image")
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
