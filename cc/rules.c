// SPDX-License-Identifier: GPL-2.0-only
/*
 * The rules an SNP or TDX launch imposes on the machine around the guest,
 * each with its own message: what KVM or the TDX module would refuse
 * half-way through the launch (or worse, accept and misbehave), refused
 * at start instead. tdx.md section 3 lists TDX's; SNP shares a few.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cc/plan.h"

/* TDX: GPAW 48 puts the shared bit at 47; RAM must lie below it. */
#define TDX_MIN_SHARED_BIT 47
/* QEMU's TSC rules for a TD (tdx.md section 3 step 5). */
#define TDX_TSC_KHZ_STEP 25000u
#define TDX_TSC_KHZ_MIN 100000u
#define TDX_TSC_KHZ_MAX 10000000u

struct cc_rule {
	/* Returns true when the rule holds. */
	bool (*ok)(const struct cc_machine *m);
	/* Writes why it does not. */
	void (*say)(const struct cc_machine *m, char *buf, size_t len);
	/* The config field to blame; NULL: cvmm's own choice or the host. */
	const char *path;
	bool snp;
	bool tdx;
};

static const char *mode_of(const struct cc_machine *m)
{
	return cc_mode_name(m->mode);
}

static bool firmware_ok(const struct cc_machine *m)
{
	return m->has_firmware;
}

static void firmware_say(const struct cc_machine *m, char *buf, size_t len)
{
	snprintf(buf, len, "cc.mode '%s' needs boot.firmware: %s", mode_of(m),
		 m->mode == CC_MODE_SNP ?
			 "an OVMF built for SEV-SNP (OVMF.amdsev.fd); the guest starts in it" :
			 "TDVF, an OVMF built for TDX; the TDX module starts every vCPU at its reset vector");
}

static bool readonly_ok(const struct cc_machine *m)
{
	return !m->readonly_slots;
}

static void readonly_say(const struct cc_machine *m, char *buf, size_t len)
{
	snprintf(buf, len,
		 "cc.mode '%s' cannot have read-only memslots: KVM offers no KVM_MEM_READONLY for private-memory VMs",
		 mode_of(m));
}

static bool smm_ok(const struct cc_machine *m)
{
	return !m->smm;
}

static void smm_say(const struct cc_machine *m, char *buf, size_t len)
{
	snprintf(buf, len,
		 "cc.mode '%s' cannot offer SMM: the guest's state is protected from the SMM handler KVM would emulate",
		 mode_of(m));
}

static bool pic_ok(const struct cc_machine *m)
{
	return !m->pic;
}

static void pic_say(const struct cc_machine *m, char *buf, size_t len)
{
	(void)m;
	snprintf(buf, len,
		 "cc.mode 'tdx' cannot have a PIC: machine.irqchip 'in-kernel' puts the 8259 PIC and the IOAPIC in KVM, which cannot see a TD's EOIs (KVM_CREATE_IRQCHIP fails with ENOTTY); use \"split\"");
}

static bool split_ok(const struct cc_machine *m)
{
	return m->irqchip == IRQCHIP_SPLIT;
}

static void split_say(const struct cc_machine *m, char *buf, size_t len)
{
	(void)m;
	snprintf(buf, len,
		 "cc.mode 'tdx' needs a split irqchip (machine.irqchip \"split\"): KVM refuses to create a TD's vCPUs without KVM_CAP_SPLIT_IRQCHIP");
}

static bool apic_bus_ok(const struct cc_machine *m)
{
	return m->apic_bus_ns == LAUNCH_TDX_APIC_BUS_NS;
}

static void apic_bus_say(const struct cc_machine *m, char *buf, size_t len)
{
	snprintf(buf, len,
		 "the TDX module clocks the APIC timer at 25 MHz: KVM_CAP_X86_APIC_BUS_CYCLES_NS must be %u, not %u",
		 LAUNCH_TDX_APIC_BUS_NS, m->apic_bus_ns);
}

static bool tsc_ok(const struct cc_machine *m)
{
	return !m->tsc_khz ||
	       (m->tsc_khz % TDX_TSC_KHZ_STEP == 0 &&
		m->tsc_khz >= TDX_TSC_KHZ_MIN && m->tsc_khz <= TDX_TSC_KHZ_MAX);
}

static void tsc_say(const struct cc_machine *m, char *buf, size_t len)
{
	snprintf(buf, len,
		 "a TD's TSC frequency must be a multiple of 25 MHz between 100 MHz and 10 GHz, not %u kHz",
		 m->tsc_khz);
}

static bool gpa_width_ok(const struct cc_machine *m)
{
	return !m->host_phys_bits || m->guest_phys_bits == m->host_phys_bits;
}

static void gpa_width_say(const struct cc_machine *m, char *buf, size_t len)
{
	snprintf(buf, len,
		 "a TD's physical-address width must be the host's: the guest's CPUID 0x80000008 says %u bits, the host has %u",
		 m->guest_phys_bits, m->host_phys_bits);
}

static bool shared_bit_ok(const struct cc_machine *m)
{
	return m->ram_end <= 1ull << TDX_MIN_SHARED_BIT;
}

static void shared_bit_say(const struct cc_machine *m, char *buf, size_t len)
{
	snprintf(buf, len,
		 "guest memory ends at 0x%llx, above a TD's shared-GPA bit %u",
		 (unsigned long long)m->ram_end, TDX_MIN_SHARED_BIT);
}

static const struct cc_rule rules[] = {
	{ firmware_ok, firmware_say, "$.cc.mode", .snp = true, .tdx = true },
	{ readonly_ok, readonly_say, NULL, .snp = true, .tdx = true },
	{ smm_ok, smm_say, NULL, .snp = true, .tdx = true },
	{ pic_ok, pic_say, "$.machine.irqchip", .tdx = true },
	{ split_ok, split_say, "$.machine.irqchip", .tdx = true },
	{ apic_bus_ok, apic_bus_say, NULL, .tdx = true },
	{ tsc_ok, tsc_say, NULL, .tdx = true },
	{ gpa_width_ok, gpa_width_say, NULL, .tdx = true },
	{ shared_bit_ok, shared_bit_say, "$.machine.memory", .tdx = true },
};

void cc_machine_init(const struct vm_config *cfg, struct cc_machine *ret)
{
	uint64_t ram = cfg->machine.memory_size;
	uint64_t low = MIN(ram, MEM_HOLE_START);

	*ret = (struct cc_machine){
		.mode = cfg->cc.mode,
		.irqchip = cfg->machine.irqchip,
		.has_firmware = cfg->boot.firmware,
		/* cvmm emulates no PIC; KVM's in-kernel irqchip has one. */
		.pic = cfg->machine.irqchip == IRQCHIP_IN_KERNEL,
		/* cvmm never offers SMM or read-only slots. */
		.apic_bus_ns = cfg->cc.mode == CC_MODE_TDX ?
				       LAUNCH_TDX_APIC_BUS_NS : 0,
		.ram_end = ram > low ? MEM_4G + (ram - low) : low,
	};
}

static bool rule_applies(const struct cc_rule *rule, enum cc_mode mode)
{
	return mode == CC_MODE_SNP ? rule->snp :
	       mode == CC_MODE_TDX ? rule->tdx : false;
}

int cc_machine_check(const struct cc_machine *m, char *reason, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++) {
		const struct cc_rule *rule = &rules[i];

		if (!rule_applies(rule, m->mode) || rule->ok(m))
			continue;
		rule->say(m, reason, len);
		return -EINVAL;
	}
	return 0;
}

int cc_config_check(const struct vm_config *cfg, char *reason, size_t len)
{
	struct cc_machine m;

	cc_machine_init(cfg, &m);
	return cc_machine_check(&m, reason, len);
}

/*
 * The config layer leaves these rules to this module: an in-kernel irqchip
 * or a kernel without firmware for a TD is refused here alone, blaming the
 * field (or flag) that brings the rule. One line per field: a PIC and a
 * missing split irqchip are one 'in-kernel'.
 */
int cc_config_report(const struct vm_config *cfg, struct cfg_diag *d)
{
	char reason[CC_REASON_MAX];
	const char *blamed = NULL;
	struct cc_machine m;
	int r = 0;

	cc_machine_init(cfg, &m);
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++) {
		const struct cc_rule *rule = &rules[i];

		if (!rule_applies(rule, m.mode) || rule->ok(&m))
			continue;
		r = -EINVAL;
		if (rule->path && blamed && !strcmp(rule->path, blamed))
			continue;
		rule->say(&m, reason, sizeof(reason));
		if (rule->path)
			cfg_rule_error(d, rule->path, "%s", reason);
		else
			cfg_config_error(d, "%s", reason);
		blamed = rule->path;
	}
	return r;
}
