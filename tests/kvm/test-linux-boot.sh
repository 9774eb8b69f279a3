#!/usr/bin/env bash
# Linux direct boot on this host, with synthetic bzImages and vmlinux
# files (the PVH entry): every bad image,
# initrd or command line is refused with exit 2 and a message that names
# the file and the reason, before any vCPU runs. One good image whose
# "kernel" is a few instructions at the 64-bit entry checks the boot
# state: it exits through the debug port with the first byte of the
# command line, found through RSI (the zero page) and cmd_line_ptr.
# One that spins checks the console on a terminal (script(1)).
# Usage: test-linux-boot.sh CVMM
set -uo pipefail
cvmm=${1:?usage: test-linux-boot.sh CVMM}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! [[ -r /dev/kvm && -w /dev/kvm ]]; then
	echo "skipped: /dev/kvm is not accessible"
	exit 77
fi

passed=0 failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1: $2"; failed=$((failed + 1)); sed 's/^/    /' "$tmp/out"; }

# bzimages SPEC...: write synthetic bzImages (one python3 for all: it is
# slow to start in the rig). SPEC is FILE[,field=value...]: a bzImage of 5
# setup sectors and a 4 KiB payload; fields: version, loadflags, xlf,
# boot_flag, reloc, pref, init_size, cmdline_size, magic, size (truncate
# the file to this many), spin=1 (the entry code loops forever instead).
bzimages() {
	python3 - "$@" <<'PY'
import struct, sys
for spec in sys.argv[1:]:
    path, *fields = spec.split(",")
    f = {k: int(v, 0) for k, v in (a.split("=", 1) for a in fields)}
    setup = bytearray(5 * 512)
    setup[0x1f1] = 4
    struct.pack_into("<H", setup, 0x1fe, f.get("boot_flag", 0xaa55))
    setup[0x201] = 0x6a
    struct.pack_into("<I", setup, 0x202, f.get("magic", 0x53726448))
    struct.pack_into("<H", setup, 0x206, f.get("version", 0x020f))
    setup[0x211] = f.get("loadflags", 1)
    struct.pack_into("<I", setup, 0x22c, 0x7fffffff)
    struct.pack_into("<I", setup, 0x230, 0x200000)
    setup[0x234] = f.get("reloc", 1)
    struct.pack_into("<H", setup, 0x236, f.get("xlf", 0x7f))
    struct.pack_into("<I", setup, 0x238, f.get("cmdline_size", 2047))
    struct.pack_into("<Q", setup, 0x258, f.get("pref", 0x1000000))
    struct.pack_into("<I", setup, 0x260, f.get("init_size", 0x400000))
    payload = bytearray(4096)
    # At load + 0x200: eax = *(u32 *)(rsi + 0x228); eax = *(u8 *)rax;
    # out 0x500 (debug exit); then hlt forever.
    code = bytes.fromhex("8b8628020000" "0fb600" "66ba0005" "ef" "f4" "ebfd")
    if f.get("spin"):
        code = bytes.fromhex("ebfe")
    payload[0x200:0x200 + len(code)] = code
    data = bytes(setup + payload)
    open(path, "wb").write(data[:f.get("size", len(data))])
PY
}

# vmlinuxes SPEC...: write synthetic vmlinux files (ELF64, a PT_LOAD of
# 4 KiB and a PT_NOTE with XEN_ELFNOTE_PHYS32_ENTRY at the segment's
# start). SPEC is FILE[,field=value...]: paddr (of the segment), note
# (its type; 18 is the PVH entry), machine, size (truncate), initrd=1 (the
# code exits with the initrd's first byte instead of the command line's).
vmlinuxes() {
	python3 - "$@" <<'PY'
import struct, sys
for spec in sys.argv[1:]:
    path, *fields = spec.split(",")
    f = {k: int(v, 0) for k, v in (a.split("=", 1) for a in fields)}
    paddr = f.get("paddr", 0x1000000)
    ehdr = bytearray(64)
    ehdr[:7] = b"\x7fELF\x02\x01\x01"
    struct.pack_into("<HHIQQQIHHHHHH", ehdr, 16, 2, f.get("machine", 62),
                     1, paddr, 64, 0, 0, 64, 56, 2, 64, 0, 0)
    phdrs = struct.pack("<IIQQQQQQ", 1, 5, 0x1000, paddr, paddr, 0x1000,
                        0x1000, 0x1000)
    phdrs += struct.pack("<IIQQQQQQ", 4, 4, 0x100, 0, 0, 24, 24, 4)
    note = struct.pack("<III4sQ", 4, 8, f.get("note", 18), b"Xen", paddr)
    # 32-bit protected mode, EBX = hvm_start_info: exit 7 unless its magic
    # is right; else load the command line (cmdline_paddr, +0x18) or the
    # first module's address (modlist_paddr, +0x10), and out 0x500 (debug
    # exit) its first byte.
    load = ("8b4310" "8b00") if f.get("initrd") else ("8b4318" "9090")
    code = bytes.fromhex("813b78c56e33" "7510" + load + "0fb600"
                         "66ba0005" "ef" "f4" "ebfd"
                         "b007" "66ba0005" "ee" "f4" "ebfd")
    data = bytearray(0x2000)
    data[:64] = ehdr
    data[64:64 + len(phdrs)] = phdrs
    data[0x100:0x100 + len(note)] = note
    data[0x1000:0x1000 + len(code)] = code
    open(path, "wb").write(bytes(data[:f.get("size", len(data))]))
PY
}

# expect NAME STATUS PATTERN -- ARGS
expect() {
	local name=$1 want=$2 pattern=$3
	shift 4
	timeout 60 "$cvmm" run "$@" >"$tmp/out" 2>&1
	local got=$?
	if [[ $got -ne $want ]]; then
		bad "$name" "exit status $got, expected $want"
	elif [[ -n $pattern ]] && ! grep -Eq -- "$pattern" "$tmp/out"; then
		bad "$name" "output lacks /$pattern/"
	else
		ok "$name"
	fi
}

k=$tmp/bz
echo 'initrd contents' >"$tmp/initrd"
bzimages "$k" "$k.old,version=0x0206" "$k.no64,xlf=0" "$k.zimage,loadflags=0" \
	"$k.noflag,boot_flag=0" "$k.short,size=2560" \
	"$k.fixed,reloc=0,pref=0x80000000" "$k.huge,init_size=0x20000000" \
	"$k.hdrs,magic=0" "$k.short-cmdline,cmdline_size=16" "$k.spin,spin=1"
expect boots-to-entry 65 "" -- --kernel "$k" --initrd "$tmp/initrd" \
	--cmdline "A console=ttyS0"
expect old-protocol 2 "$k.old.*boot protocol 2.06 is older than 2.12" -- \
	--kernel "$k.old"
expect no-64-bit-entry 2 "$k.no64.*XLF_KERNEL_64" -- --kernel "$k.no64"
expect zimage 2 "$k.zimage.*not a bzImage.*LOADED_HIGH" -- --kernel "$k.zimage"
expect no-boot-flag 2 "$k.noflag.*0xAA55" -- --kernel "$k.noflag"
expect truncated 2 "$k.short.*truncated" -- --kernel "$k.short"
expect not-relocatable 2 "$k.fixed.*not relocatable" -- --kernel "$k.fixed"
expect init-size-too-big 2 "$k.huge.*init_size" -- --kernel "$k.huge" \
	--memory 256M
expect no-setup-header 2 "$k.hdrs.*not a bzImage" -- --kernel "$k.hdrs"
expect cmdline-too-long 2 \
	"command line is 32 bytes, longer than the 16 bytes kernel '$k.short-cmdline' accepts" -- \
	--kernel "$k.short-cmdline" --cmdline "console=ttyS0 0123456789abcdefgh"

expect missing-initrd 2 "$tmp/no-such-initrd.*does not exist" -- \
	--kernel "$k" --initrd "$tmp/no-such-initrd"
truncate -s 300M "$tmp/big-initrd"
expect initrd-too-big 2 "initrd '$tmp/big-initrd'.*does not fit" -- \
	--kernel "$k" --initrd "$tmp/big-initrd" --memory 256M

# A vmlinux through its PVH entry: the boot state (EBX, hvm_start_info's
# magic, command line and initrd module), then each bad image.
v=$tmp/vmlinux
vmlinuxes "$v" "$v.initrd,initrd=1" "$v.nonote,note=17" "$v.low,paddr=0x80000" \
	"$v.high,paddr=0x20000000" "$v.short,size=0x1800" "$v.i386,machine=3"
expect pvh-boots-to-entry 66 "" -- --kernel "$v" --initrd "$tmp/initrd" \
	--cmdline "B console=ttyS0"
expect pvh-initrd-module 105 "" -- --kernel "$v.initrd" \
	--initrd "$tmp/initrd"
expect pvh-no-note 2 \
	"$v.nonote.*vmlinux has no XEN_ELFNOTE_PHYS32_ENTRY; build with CONFIG_PVH or use the bzImage" -- \
	--kernel "$v.nonote"
expect pvh-segment-low 2 "$v.low.*0x80000-0x81000 lies below 1 MiB" -- \
	--kernel "$v.low"
expect pvh-segment-beyond-ram 2 "$v.high.*beyond guest RAM below 0x10000000" -- \
	--kernel "$v.high" --memory 256M
expect pvh-truncated 2 "$v.short.*truncated" -- --kernel "$v.short"
expect pvh-machine 2 "$v.i386.*e_machine 3 in an ELF64 file" -- \
	--kernel "$v.i386"

# From a terminal: raw mode while the VM runs, Ctrl-A x ends it (exit 0),
# and the terminal's settings are back afterwards.
if command -v script >/dev/null; then
	(sleep 2; printf '\001x') | timeout 60 script -qec \
		"stty -g >'$tmp/before'; '$cvmm' run --kernel '$k.spin';
		 echo status=\$?; stty -g >'$tmp/after'" /dev/null >"$tmp/out" 2>&1
	if ! grep -q "Ctrl-A x; ending the VM" "$tmp/out" ||
	   ! grep -q "status=0" "$tmp/out"; then
		bad terminal-quit "Ctrl-A x did not end the VM with 0"
	elif ! cmp -s "$tmp/before" "$tmp/after"; then
		bad terminal-quit "terminal settings not restored"
	else
		ok terminal-quit
	fi
else
	echo "skip terminal-quit: no script(1)"
fi

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
