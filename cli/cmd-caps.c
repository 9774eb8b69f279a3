// SPDX-License-Identifier: GPL-2.0-only
/*
 * cvmm caps [--json]: print what vmm/caps.c probed, as a table or as one
 * JSON object whose keys docs/caps.md documents (add keys, never rename).
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "build-config.h"
#include "cc/mode.h"
#include "cli/commands.h"
#include "config/config.h"
#include "lib/log.h"
#include "vmm/caps.h"
#include "lib/kvm.h"

/* The modes of this build's architecture. */
static const enum cc_mode cc_modes[] = {
	CC_MODE_NONE,
#if CONFIG_ARM64
	CC_MODE_PKVM,
#else
	CC_MODE_SW,
	CC_MODE_SNP,
	CC_MODE_TDX,
#endif
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: cvmm caps [--json]\n\n"
		   "Show what this host's KVM offers a confidential VMM: VM types,\n"
		   "guest_memfd and its flags, memory attributes per VM type, exits,\n"
		   "limits, and which CC modes (none, sw, snp, tdx; on arm64 none, pkvm)\n"
		   "this host can run. On arm64 also the IPA limit, the GIC, vCPU\n"
		   "features and protected VMs (pKVM).\n\n"
		   "Options:\n"
		   "  --json      print one JSON object (keys in docs/caps.md)\n"
		   "  -h, --help  show this help\n\n"
		   "On a host without KVM it says so, why, and what to do\n"
		   "(--json: \"kvm\": false), and exits 0.\n\n"
		   "Exit status: 0, 1 if probing fails, 2 usage error.\n");
}

/* A unique name per VM type: JSON keys must not collide. */
static const char *vm_type_key(unsigned long type, char *buf, size_t len)
{
	const char *name = kvm_vm_type_name(type);

	if (strcmp(name, "unknown"))
		return name;
	snprintf(buf, len, "type%lu", type);
	return buf;
}

/* "MMAP|INIT_SHARED", "none", or "0x10" for a bit without a name. */
static const char *bits_str(uint64_t mask, const char *(*name)(unsigned int),
			    char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	if (!mask)
		return "none";
	for (unsigned int bit = 0; bit < 64; bit++) {
		const char *s = name(bit);

		if (!(mask & (1ull << bit)))
			continue;
		if (s)
			n += snprintf(buf + n, len - n, "%s%s", n ? "|" : "", s);
		else
			n += snprintf(buf + n, len - n, "%s0x%llx", n ? "|" : "",
				      1ull << bit);
		if (n >= len)
			break;
	}
	return buf;
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

static void print_system(const struct kvm_caps *c)
{
	char buf[128], key[16];
	size_t n = 0;

	printf("%-22s %d\n", "KVM API version", c->api_version);
	for (unsigned long t = 0; t < KVM_CAPS_NR_VM_TYPES; t++)
		if (kvm_caps_has_vm_type(c, t) && n < sizeof(buf))
			n += snprintf(buf + n, sizeof(buf) - n, "%s%s",
				      n ? ", " : "", vm_type_key(t, key, sizeof(key)));
	printf("%-22s %s (0x%x)\n", "VM types", buf, c->vm_types);
	printf("%-22s %s, flags %s (0x%llx)\n", "guest_memfd",
	       yes_no(c->guest_memfd),
	       bits_str(c->guest_memfd_flags, kvm_caps_gmem_flag_name, buf,
			sizeof(buf)),
	       (unsigned long long)c->guest_memfd_flags);
	printf("%-22s %s (0x%llx)\n", "memory attributes",
	       bits_str(c->memory_attributes, kvm_caps_mem_attr_name, buf,
			sizeof(buf)),
	       (unsigned long long)c->memory_attributes);
	printf("%-22s %s\n", "memory fault info", yes_no(c->memory_fault_info));
	printf("%-22s %s (KVM_CAP_EXIT_HYPERCALL 0x%llx)\n", "MAP_GPA_RANGE exits",
	       yes_no(kvm_caps_has_map_gpa_range(c)),
	       (unsigned long long)c->exit_hypercall);
	printf("%-22s %u\n", "max vCPUs", c->max_vcpus);
	printf("%-22s %u\n", "memslots", c->nr_memslots);
	printf("%-22s %s\n", "irqchip", yes_no(c->irqchip));
	printf("%-22s %s\n", "split irqchip", yes_no(c->split_irqchip));
	printf("%-22s %s\n", "pre-fault memory", yes_no(c->pre_fault_memory));
	printf("%-22s %s\n", "user memory2", yes_no(c->user_memory2));
}

static void print_arm64(const struct kvm_caps *c)
{
	const struct kvm_arm64_caps *a = &c->arm64;
	const struct kvm_vm_type_caps *p = &a->protected_vm;
	char buf[128];

	printf("\n%-22s %u bits\n", "IPA size limit", a->ipa_size);
	printf("%-22s %s\n", "PSCI 0.2+", yes_no(a->psci_0_2));
	printf("%-22s GICv3 %s, ITS %s, GICv2 %s\n", "GIC", yes_no(a->gic_v3),
	       yes_no(a->gic_its), yes_no(a->gic_v2));
	printf("%-22s PMUv3 %s, SVE %s, pointer auth %s, MTE %s\n",
	       "vCPU features", yes_no(a->pmu_v3), yes_no(a->sve),
	       yes_no(a->ptrauth), yes_no(a->mte));
	printf("%-22s %s\n", "NISV exits", yes_no(a->nisv_to_user));
	if (p->create_err) {
		printf("%-22s no: KVM_CREATE_VM(0x%lx) failed: %s\n",
		       "protected VMs", a->protected_type,
		       errno_name(p->create_err));
		return;
	}
	printf("%-22s yes (type 0x%lx), guest_memfd %s, flags %s, max vCPUs %u\n",
	       "protected VMs", a->protected_type, yes_no(p->guest_memfd),
	       bits_str(p->guest_memfd_flags, kvm_caps_gmem_flag_name, buf,
			sizeof(buf)),
	       p->max_vcpus);
}

static void print_vm_types(const struct kvm_caps *c)
{
	char name[32], key[16], flags[128], attrs[128];

	printf("\n%-18s %-12s %-18s %-11s %s\n", "VM type", "guest_memfd",
	       "flags", "attributes", "max vCPUs");
	for (unsigned long t = 0; t < KVM_CAPS_NR_VM_TYPES; t++) {
		const struct kvm_vm_type_caps *vm = &c->vm[t];

		if (!kvm_caps_has_vm_type(c, t))
			continue;
		snprintf(name, sizeof(name), "%s (%lu)",
			 vm_type_key(t, key, sizeof(key)), t);
		if (vm->create_err) {
			printf("%-18s KVM_CREATE_VM failed: %s\n", name,
			       errno_name(vm->create_err));
			continue;
		}
		printf("%-18s %-12s %-18s %-11s %u\n", name,
		       yes_no(vm->guest_memfd),
		       bits_str(vm->guest_memfd_flags, kvm_caps_gmem_flag_name,
				flags, sizeof(flags)),
		       bits_str(vm->memory_attributes, kvm_caps_mem_attr_name,
				attrs, sizeof(attrs)),
		       vm->max_vcpus);
	}
}

/*
 * Whether this host runs the mode: 0, or -EOPNOTSUPP with the reason.
 * Without KVM (c NULL) no mode runs.
 */
static int check_cc_mode(const struct kvm_caps *c, enum cc_mode mode,
			 char *reason, size_t len)
{
	if (c)
		return kvm_caps_check_cc_mode(c, mode, reason, len);
	snprintf(reason, len, "no KVM");
	return -EOPNOTSUPP;
}

static void print_cc_modes(const struct kvm_caps *c)
{
	char reason[256];

	printf("\n%-8s %s\n", "CC mode", "runs on this host");
	for (size_t i = 0; i < ARRAY_SIZE(cc_modes); i++) {
		if (check_cc_mode(c, cc_modes[i], reason, sizeof(reason)))
			printf("%-8s no: %s\n", cc_mode_name(cc_modes[i]), reason);
		else
			printf("%-8s yes\n", cc_mode_name(cc_modes[i]));
	}
}

/*
 * Add val under key. json-c returns NULL when out of memory; remember the
 * first failure in *err so that callers check once at the end.
 */
static void put(struct json_object *obj, const char *key,
		struct json_object *val, int *err)
{
	if (val && json_object_object_add(obj, key, val) == 0)
		return;
	json_object_put(val);
	*err = -ENOMEM;
}

static void put_null(struct json_object *obj, const char *key, int *err)
{
	if (json_object_object_add(obj, key, NULL) < 0)
		*err = -ENOMEM;
}

/* The names of the bits set in mask, "0x10" for a bit without a name. */
static struct json_object *bits_json(uint64_t mask,
				     const char *(*name)(unsigned int))
{
	struct json_object *arr = json_object_new_array();
	char hex[24];

	for (unsigned int bit = 0; arr && bit < 64; bit++) {
		const char *s = name(bit);
		struct json_object *v;

		if (!(mask & (1ull << bit)))
			continue;
		if (!s) {
			snprintf(hex, sizeof(hex), "0x%llx", 1ull << bit);
			s = hex;
		}
		v = json_object_new_string(s);
		if (!v || json_object_array_add(arr, v) < 0) {
			json_object_put(v);
			json_object_put(arr);
			return NULL;
		}
	}
	return arr;
}

static struct json_object *vm_types_json(const struct kvm_caps *c)
{
	struct json_object *arr = json_object_new_array();
	char key[16];

	for (unsigned long t = 0; arr && t < KVM_CAPS_NR_VM_TYPES; t++) {
		struct json_object *v;

		if (!kvm_caps_has_vm_type(c, t))
			continue;
		v = json_object_new_string(vm_type_key(t, key, sizeof(key)));
		if (!v || json_object_array_add(arr, v) < 0) {
			json_object_put(v);
			json_object_put(arr);
			return NULL;
		}
	}
	return arr;
}

static struct json_object *vm_json(const struct kvm_vm_type_caps *vm,
				   unsigned long type)
{
	struct json_object *obj = json_object_new_object();
	int err = 0;

	if (!obj)
		return NULL;
	put(obj, "type", json_object_new_int64(type), &err);
	put(obj, "created", json_object_new_boolean(!vm->create_err), &err);
	if (vm->create_err)
		put(obj, "error", json_object_new_string(errno_name(vm->create_err)),
		    &err);
	else
		put_null(obj, "error", &err);
	put(obj, "guest_memfd", json_object_new_boolean(vm->guest_memfd), &err);
	put(obj, "guest_memfd_flags",
	    bits_json(vm->guest_memfd_flags, kvm_caps_gmem_flag_name), &err);
	put(obj, "guest_memfd_flags_mask",
	    json_object_new_int64(vm->guest_memfd_flags), &err);
	put(obj, "memory_attributes",
	    bits_json(vm->memory_attributes, kvm_caps_mem_attr_name), &err);
	put(obj, "memory_attributes_mask",
	    json_object_new_int64(vm->memory_attributes), &err);
	put(obj, "max_vcpus", json_object_new_int64(vm->max_vcpus), &err);
	if (err) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

/* docs/caps.md, "arm64": present on aarch64 builds only. */
static struct json_object *arm64_json(const struct kvm_arm64_caps *a)
{
	struct json_object *obj = json_object_new_object();
	int err = 0;

	if (!obj)
		return NULL;
	put(obj, "ipa_size", json_object_new_int64(a->ipa_size), &err);
	put(obj, "psci_0_2", json_object_new_boolean(a->psci_0_2), &err);
	put(obj, "gic_v3", json_object_new_boolean(a->gic_v3), &err);
	put(obj, "gic_its", json_object_new_boolean(a->gic_its), &err);
	put(obj, "gic_v2", json_object_new_boolean(a->gic_v2), &err);
	put(obj, "pmu_v3", json_object_new_boolean(a->pmu_v3), &err);
	put(obj, "sve", json_object_new_boolean(a->sve), &err);
	put(obj, "ptrauth", json_object_new_boolean(a->ptrauth), &err);
	put(obj, "mte", json_object_new_boolean(a->mte), &err);
	put(obj, "nisv_to_user", json_object_new_boolean(a->nisv_to_user), &err);
	put(obj, "protected_vm", vm_json(&a->protected_vm, a->protected_type),
	    &err);
	if (err) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

static struct json_object *vms_json(const struct kvm_caps *c)
{
	struct json_object *obj = json_object_new_object();
	char key[16];
	int err = 0;

	for (unsigned long t = 0; obj && t < KVM_CAPS_NR_VM_TYPES; t++)
		if (kvm_caps_has_vm_type(c, t))
			put(obj, vm_type_key(t, key, sizeof(key)),
			    vm_json(&c->vm[t], t), &err);
	if (err) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

static struct json_object *cc_mode_json(const struct kvm_caps *c,
					enum cc_mode mode)
{
	struct json_object *obj = json_object_new_object();
	char reason[256], key[16];
	int err = 0, r;

	if (!obj)
		return NULL;
	r = check_cc_mode(c, mode, reason, sizeof(reason));
	put(obj, "supported", json_object_new_boolean(r == 0), &err);
	if (r)
		put(obj, "reason", json_object_new_string(reason), &err);
	else
		put_null(obj, "reason", &err);
	/* pKVM's type is a flag beside the IPA size (arm64.protected_vm). */
	put(obj, "vm_type",
	    json_object_new_string(mode == CC_MODE_PKVM ? "protected" :
				   vm_type_key(cc_mode_vm_type(mode), key,
					       sizeof(key))),
	    &err);
	if (err) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

static struct json_object *cc_modes_json(const struct kvm_caps *c)
{
	struct json_object *obj = json_object_new_object();
	int err = 0;

	for (size_t i = 0; obj && i < ARRAY_SIZE(cc_modes); i++)
		put(obj, cc_mode_name(cc_modes[i]), cc_mode_json(c, cc_modes[i]),
		    &err);
	if (err) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

/*
 * "kvm": whether /dev/kvm could be used; if not, the errno name and the
 * one-line reason (err and why), and no other key than cc_modes.
 */
static int kvm_json(int err, const char *why, struct json_object *obj)
{
	int r = 0;

	put(obj, "kvm", json_object_new_boolean(!err), &r);
	if (err) {
		put(obj, "kvm_error", json_object_new_string(errno_name(err)), &r);
		put(obj, "kvm_reason", json_object_new_string(why), &r);
		put(obj, "cc_modes", cc_modes_json(NULL), &r);
	} else {
		put_null(obj, "kvm_error", &r);
		put_null(obj, "kvm_reason", &r);
	}
	return r;
}

/* Key order here is the order of docs/caps.md. */
static int caps_json(const struct kvm_caps *c, struct json_object *obj)
{
	int err = kvm_json(0, NULL, obj);

	put(obj, "api_version", json_object_new_int64(c->api_version), &err);
	put(obj, "vm_types", vm_types_json(c), &err);
	put(obj, "vm_types_mask", json_object_new_int64(c->vm_types), &err);
	put(obj, "guest_memfd", json_object_new_boolean(c->guest_memfd), &err);
	put(obj, "guest_memfd_flags",
	    bits_json(c->guest_memfd_flags, kvm_caps_gmem_flag_name), &err);
	put(obj, "guest_memfd_flags_mask",
	    json_object_new_int64(c->guest_memfd_flags), &err);
	put(obj, "memory_attributes",
	    bits_json(c->memory_attributes, kvm_caps_mem_attr_name), &err);
	put(obj, "memory_attributes_mask",
	    json_object_new_int64(c->memory_attributes), &err);
	put(obj, "memory_fault_info",
	    json_object_new_boolean(c->memory_fault_info), &err);
	put(obj, "map_gpa_range_exit",
	    json_object_new_boolean(kvm_caps_has_map_gpa_range(c)), &err);
	put(obj, "exit_hypercall_mask", json_object_new_int64(c->exit_hypercall),
	    &err);
	put(obj, "max_vcpus", json_object_new_int64(c->max_vcpus), &err);
	put(obj, "nr_memslots", json_object_new_int64(c->nr_memslots), &err);
	put(obj, "irqchip", json_object_new_boolean(c->irqchip), &err);
	put(obj, "split_irqchip", json_object_new_boolean(c->split_irqchip),
	    &err);
	put(obj, "pre_fault_memory", json_object_new_boolean(c->pre_fault_memory),
	    &err);
	put(obj, "user_memory2", json_object_new_boolean(c->user_memory2), &err);
	put(obj, "vms", vms_json(c), &err);
	put(obj, "cc_modes", cc_modes_json(c), &err);
	if (CONFIG_ARM64)
		put(obj, "arm64", arm64_json(&c->arm64), &err);
	return err;
}

/* The probed caps, or (c NULL) why there is no KVM: kvm_err and why. */
static int print_json(const struct kvm_caps *c, int kvm_err, const char *why)
{
	struct json_object *obj = json_object_new_object();
	const char *s;
	int r;

	if (!obj)
		return -ENOMEM;
	r = c ? caps_json(c, obj) : kvm_json(kvm_err, why, obj);
	if (r == 0) {
		s = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
						   JSON_C_TO_STRING_SPACED |
						   JSON_C_TO_STRING_NOSLASHESCAPE);
		if (s)
			printf("%s\n", s);
		else
			r = -ENOMEM;
	}
	json_object_put(obj);
	return r;
}

int cmd_caps(int argc, char **argv)
{
	struct kvm_caps caps;
	_cleanup_close_ int kvm_fd = -1;
	char why[320];
	bool json = false;
	int r;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return CVMM_EXIT_OK;
		} else {
			fprintf(stderr, "cvmm: error: caps: unknown argument '%s'\n",
				argv[i]);
			usage(stderr);
			return CVMM_EXIT_USAGE;
		}
	}

	kvm_fd = kvm_open_explained(why, sizeof(why));
	if (kvm_fd >= 0) {
		r = kvm_caps_probe(kvm_fd, &caps);
		if (r < 0) {
			log_error_errno(r, "Probing %s failed", KVM_DEVICE_PATH);
			return CVMM_EXIT_FAILURE;
		}
	}

	if (json) {
		r = kvm_fd >= 0 ? print_json(&caps, 0, NULL) :
				  print_json(NULL, kvm_fd, why);
		if (r < 0) {
			log_error_errno(r, "Building the JSON output failed");
			return CVMM_EXIT_FAILURE;
		}
	} else if (kvm_fd < 0) {
		printf("%-22s no: %s\n", "KVM", why);
		print_cc_modes(NULL);
	} else {
		print_system(&caps);
		if (CONFIG_ARM64)
			print_arm64(&caps);
		print_vm_types(&caps);
		print_cc_modes(&caps);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		log_error_errno(errno, "Writing to stdout failed");
		return CVMM_EXIT_FAILURE;
	}
	return CVMM_EXIT_OK;
}
