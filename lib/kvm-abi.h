/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The KVM ABI that cvmm needs and that older system headers (Debian 12 ships
 * the 6.1 uapi) lack: memslots v2, guest_memfd, memory attributes, the
 * memory-fault exit, VM types, pre-fault and the SEV-SNP and TDX commands.
 *
 * Written from the facts in shared/spec (kvm-private-memory.md, sev-snp.md,
 * tdx.md). Every definition is guarded so that a newer <linux/kvm.h> wins;
 * the structure layouts are checked by size at the bottom of this file.
 * Every other file includes this header instead of <linux/kvm.h>.
 */
#ifndef CVMM_KVM_ABI_H
#define CVMM_KVM_ABI_H

#include <linux/kvm.h>
#include <linux/kvm_para.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The x86 CPUID table layouts. cc/ computes SNP and TDX launch digests of
 * x86 guests from them, which any host can do offline (cvmm measure); the
 * uapi headers of other architectures lack them.
 */
#ifndef __x86_64__
#define KVM_CPUID_FLAG_SIGNIFCANT_INDEX (1 << 0)
struct kvm_cpuid_entry2 {
	__u32 function;
	__u32 index;
	__u32 flags;
	__u32 eax;
	__u32 ebx;
	__u32 ecx;
	__u32 edx;
	__u32 padding[3];
};

struct kvm_cpuid2 {
	__u32 nent;
	__u32 padding;
	struct kvm_cpuid_entry2 entries[];
};
#endif

/* Capabilities (kvm-private-memory.md section 2) */
#ifndef KVM_CAP_X86_NOTIFY_VMEXIT
#define KVM_CAP_X86_NOTIFY_VMEXIT 219
#endif
#ifndef KVM_CAP_USER_MEMORY2
#define KVM_CAP_USER_MEMORY2 231
#endif
#ifndef KVM_CAP_MEMORY_FAULT_INFO
#define KVM_CAP_MEMORY_FAULT_INFO 232
#endif
#ifndef KVM_CAP_MEMORY_ATTRIBUTES
#define KVM_CAP_MEMORY_ATTRIBUTES 233
#endif
#ifndef KVM_CAP_GUEST_MEMFD
#define KVM_CAP_GUEST_MEMFD 234
#endif
#ifndef KVM_CAP_VM_TYPES
#define KVM_CAP_VM_TYPES 235
#endif
#ifndef KVM_CAP_PRE_FAULT_MEMORY
#define KVM_CAP_PRE_FAULT_MEMORY 236
#endif
#ifndef KVM_CAP_X86_APIC_BUS_CYCLES_NS
#define KVM_CAP_X86_APIC_BUS_CYCLES_NS 237
#endif
#ifndef KVM_CAP_GUEST_MEMFD_FLAGS
#define KVM_CAP_GUEST_MEMFD_FLAGS 244
#endif

/* VM types (asm/kvm.h) */
#ifndef KVM_X86_DEFAULT_VM
#define KVM_X86_DEFAULT_VM 0
#define KVM_X86_SW_PROTECTED_VM 1
#define KVM_X86_SEV_VM 2
#define KVM_X86_SEV_ES_VM 3
#define KVM_X86_SNP_VM 4
#endif
#ifndef KVM_X86_TDX_VM
#define KVM_X86_TDX_VM 5
#endif

/* Memslot flags */
#ifndef KVM_MEM_GUEST_MEMFD
#define KVM_MEM_GUEST_MEMFD (1u << 2)
#endif

/* Exits */
#ifndef KVM_EXIT_MEMORY_FAULT
#define KVM_EXIT_MEMORY_FAULT 39
#endif
#ifndef KVM_EXIT_TDX
#define KVM_EXIT_TDX 40
#endif
#ifndef KVM_EXIT_SNP_REQ_CERTS
#define KVM_EXIT_SNP_REQ_CERTS 43
#endif
#ifndef KVM_MEMORY_EXIT_FLAG_PRIVATE
#define KVM_MEMORY_EXIT_FLAG_PRIVATE (1ull << 3)
#endif
#ifndef KVM_EXIT_HYPERCALL_LONG_MODE
#define KVM_EXIT_HYPERCALL_LONG_MODE (1ull << 0)
#endif
#ifndef KVM_SYSTEM_EVENT_SEV_TERM
#define KVM_SYSTEM_EVENT_SEV_TERM 6
#endif
#ifndef KVM_SYSTEM_EVENT_TDX_FATAL
#define KVM_SYSTEM_EVENT_TDX_FATAL 7
#endif

/* KVM_HC_MAP_GPA_RANGE attribute bits (hypercalls.rst) */
#ifndef KVM_MAP_GPA_RANGE_PAGE_SZ_4K
#define KVM_MAP_GPA_RANGE_PAGE_SZ_4K 0
#define KVM_MAP_GPA_RANGE_PAGE_SZ_2M (1 << 0)
#define KVM_MAP_GPA_RANGE_PAGE_SZ_1G (1 << 1)
#define KVM_MAP_GPA_RANGE_ENCRYPTED (1 << 4)
#define KVM_MAP_GPA_RANGE_DECRYPTED 0
#endif
/* Bits 3:0 hold the page-size hint; bits 63:5 are reserved. */
#define CVMM_MAP_GPA_RANGE_PAGE_SZ_MASK 0xfull
#define CVMM_MAP_GPA_RANGE_RESERVED (~0x1full)
#ifndef KVM_ENOSYS
#define KVM_ENOSYS 1000
#endif

/* guest_memfd (section 4) */
#ifndef GUEST_MEMFD_FLAG_MMAP
#define GUEST_MEMFD_FLAG_MMAP (1ull << 0)
#endif
#ifndef GUEST_MEMFD_FLAG_INIT_SHARED
#define GUEST_MEMFD_FLAG_INIT_SHARED (1ull << 1)
#endif

#ifndef KVM_CREATE_GUEST_MEMFD
struct kvm_create_guest_memfd {
	__u64 size;
	__u64 flags;
	__u64 reserved[6];
};
#define KVM_CREATE_GUEST_MEMFD _IOWR(KVMIO, 0xd4, struct kvm_create_guest_memfd)
#endif

/* Memslots v2 (section 5) */
#ifndef KVM_SET_USER_MEMORY_REGION2
struct kvm_userspace_memory_region2 {
	__u32 slot;
	__u32 flags;
	__u64 guest_phys_addr;
	__u64 memory_size;
	__u64 userspace_addr;
	__u64 guest_memfd_offset;
	__u32 guest_memfd;
	__u32 pad1;
	__u64 pad2[14];
};
#define KVM_SET_USER_MEMORY_REGION2 \
	_IOW(KVMIO, 0x49, struct kvm_userspace_memory_region2)
#endif

/* Memory attributes (section 6) */
#ifndef KVM_SET_MEMORY_ATTRIBUTES
struct kvm_memory_attributes {
	__u64 address;
	__u64 size;
	__u64 attributes;
	__u64 flags;
};
#define KVM_SET_MEMORY_ATTRIBUTES _IOW(KVMIO, 0xd2, struct kvm_memory_attributes)
#endif
#ifndef KVM_MEMORY_ATTRIBUTE_PRIVATE
#define KVM_MEMORY_ATTRIBUTE_PRIVATE (1ull << 3)
#endif

/* Pre-fault (section 10) */
#ifndef KVM_PRE_FAULT_MEMORY
struct kvm_pre_fault_memory {
	__u64 gpa;
	__u64 size;
	__u64 flags;
	__u64 padding[5];
};
#define KVM_PRE_FAULT_MEMORY _IOWR(KVMIO, 0xd5, struct kvm_pre_fault_memory)
#endif

/* Device attributes on /dev/kvm (sev-snp.md section 1) */
#ifndef KVM_X86_GRP_SEV
#define KVM_X86_GRP_SEV 1
#define KVM_X86_SEV_VMSA_FEATURES 0
#endif
#ifndef KVM_X86_SNP_POLICY_BITS
#define KVM_X86_SNP_POLICY_BITS 1
#endif
#ifndef KVM_X86_SEV_SNP_REQ_CERTS
#define KVM_X86_SEV_SNP_REQ_CERTS 2
#endif

/*
 * The exit union of struct kvm_run starts at byte 32. Older headers lack
 * the memory_fault member and name the hypercall flags "longmode", so cvmm
 * reads both through these overlays.
 */
#define KVM_RUN_EXIT_UNION_OFFSET 32

struct cvmm_exit_memory_fault {
	__u64 flags;
	__u64 gpa;
	__u64 size;
};

struct cvmm_exit_hypercall {
	__u64 nr;
	__u64 args[6];
	__u64 ret;
	__u64 flags;
};

static inline struct cvmm_exit_memory_fault *
kvm_run_memory_fault(struct kvm_run *run)
{
	return (void *)((char *)run + KVM_RUN_EXIT_UNION_OFFSET);
}

static inline struct cvmm_exit_hypercall *kvm_run_hypercall(struct kvm_run *run)
{
	return (void *)((char *)run + KVM_RUN_EXIT_UNION_OFFSET);
}

/* KVM_EXIT_TDX (tdx.md section 6) */
struct cvmm_exit_tdx {
	__u64 flags;
	__u64 nr;
	union {
		struct {
			__u64 ret;
			__u64 data[5];
		} unknown;
		struct {
			__u64 ret;
			__u64 gpa;
			__u64 size;
		} get_quote;
		struct {
			__u64 ret;
			__u64 leaf;
			__u64 r11, r12, r13, r14;
		} get_tdvmcall_info;
		struct {
			__u64 ret;
			__u64 vector;
		} setup_event_notify;
	};
};

static inline struct cvmm_exit_tdx *kvm_run_tdx(struct kvm_run *run)
{
	return (void *)((char *)run + KVM_RUN_EXIT_UNION_OFFSET);
}

/*
 * KVM_EXIT_SNP_REQ_CERTS (43 in Linux 7.2), sev-snp.md section 4: the
 * guest's certificate buffer and the answer, positive errno values.
 */
struct cvmm_exit_snp_req_certs {
	__u64 gpa;
	__u64 npages;
	__u64 ret;
};

static inline struct cvmm_exit_snp_req_certs *
kvm_run_snp_req_certs(struct kvm_run *run)
{
	return (void *)((char *)run + KVM_RUN_EXIT_UNION_OFFSET);
}

/* SEV-SNP commands (sev-snp.md section 2) */
struct cvmm_sev_cmd {
	__u32 id;
	__u32 pad0;
	__u64 data;
	__u32 error;
	__u32 sev_fd;
};

enum {
	CVMM_SEV_INIT2 = 22,
	CVMM_SEV_SNP_LAUNCH_START = 100,
	CVMM_SEV_SNP_LAUNCH_UPDATE = 101,
	CVMM_SEV_SNP_LAUNCH_FINISH = 102,
	CVMM_SEV_SNP_ENABLE_REQ_CERTS = 103,
};

struct cvmm_sev_init {
	__u64 vmsa_features;
	__u32 flags;
	__u16 ghcb_version;
	__u16 pad1;
	__u32 pad2[8];
};

struct cvmm_sev_snp_launch_start {
	__u64 policy;
	__u8 gosvw[16];
	__u16 flags;
	__u8 pad0[6];
	__u64 pad1[4];
};

struct cvmm_sev_snp_launch_update {
	__u64 gfn_start;
	__u64 uaddr;
	__u64 len;
	__u8 type;
	__u8 pad0;
	__u16 flags;
	__u32 pad1;
	__u64 pad2[4];
};

struct cvmm_sev_snp_launch_finish {
	__u64 id_block_uaddr;
	__u64 id_auth_uaddr;
	__u8 id_block_en;
	__u8 auth_key_en;
	__u8 vcek_disabled;
	__u8 host_data[32];
	__u8 pad0[3];
	__u16 flags;
	__u64 pad1[4];
};

/* SNP launch-update page types: the firmware's own values */
enum snp_page_type {
	SNP_PAGE_TYPE_NORMAL = 0x1,
	SNP_PAGE_TYPE_VMSA = 0x2,
	SNP_PAGE_TYPE_ZERO = 0x3,
	SNP_PAGE_TYPE_UNMEASURED = 0x4,
	SNP_PAGE_TYPE_SECRETS = 0x5,
	SNP_PAGE_TYPE_CPUID = 0x6,
};

/* TDX commands (tdx.md section 2) */
struct cvmm_tdx_cmd {
	__u32 id;
	__u32 flags;
	__u64 data;
	__u64 hw_error;
};

enum {
	CVMM_TDX_CAPABILITIES = 0,
	CVMM_TDX_INIT_VM = 1,
	CVMM_TDX_INIT_VCPU = 2,
	CVMM_TDX_INIT_MEM_REGION = 3,
	CVMM_TDX_FINALIZE_VM = 4,
	CVMM_TDX_GET_CPUID = 5,
};

#define CVMM_TDX_MEASURE_MEMORY_REGION (1u << 0)

struct cvmm_tdx_capabilities {
	__u64 supported_attrs;
	__u64 supported_xfam;
	__u64 kernel_tdvmcallinfo_1_r11;
	__u64 user_tdvmcallinfo_1_r11;
	__u64 kernel_tdvmcallinfo_1_r12;
	__u64 user_tdvmcallinfo_1_r12;
	__u64 reserved[250];
	struct kvm_cpuid2 cpuid;
};

struct cvmm_tdx_init_vm {
	__u64 attributes;
	__u64 xfam;
	__u64 mrconfigid[6];
	__u64 mrowner[6];
	__u64 mrownerconfig[6];
	__u64 reserved[12];
	struct kvm_cpuid2 cpuid;
};

struct cvmm_tdx_init_mem_region {
	__u64 source_addr;
	__u64 gpa;
	__u64 nr_pages;
};

/* Layout checks against the sizes the spec gives. */
_Static_assert(sizeof(struct kvm_create_guest_memfd) == 64, "gmem");
_Static_assert(sizeof(struct kvm_userspace_memory_region2) == 160, "slot2");
_Static_assert(sizeof(struct kvm_memory_attributes) == 32, "attrs");
_Static_assert(sizeof(struct kvm_pre_fault_memory) == 64, "prefault");
_Static_assert(offsetof(struct kvm_run, mmio) == KVM_RUN_EXIT_UNION_OFFSET,
	       "kvm_run exit union");
_Static_assert(offsetof(struct cvmm_exit_hypercall, ret) == 88 - 32, "hc");
_Static_assert(offsetof(struct cvmm_exit_tdx, unknown) == 48 - 32, "tdx");
_Static_assert(sizeof(struct cvmm_sev_cmd) == 24, "sev_cmd");
_Static_assert(sizeof(struct cvmm_sev_init) == 48, "sev_init");
_Static_assert(sizeof(struct cvmm_sev_snp_launch_start) == 64, "snp start");
_Static_assert(sizeof(struct cvmm_sev_snp_launch_update) == 64, "snp update");
_Static_assert(sizeof(struct cvmm_sev_snp_launch_finish) == 88, "snp finish");
_Static_assert(sizeof(struct cvmm_tdx_cmd) == 24, "tdx_cmd");
_Static_assert(offsetof(struct cvmm_tdx_capabilities, cpuid) == 2048, "tdx caps");
_Static_assert(offsetof(struct cvmm_tdx_init_vm, cpuid) == 256, "tdx init");
_Static_assert(sizeof(struct cvmm_tdx_init_mem_region) == 24, "tdx mem");

#endif
