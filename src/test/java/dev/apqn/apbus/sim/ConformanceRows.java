package dev.apqn.apbus.sim;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The rows of ap-bus.md the conformance tests must cover, copied from the document (one name per
 * table row or grammar rule), and the rows or parts of rows the simulated kernel deliberately does
 * not model, each with the reason. {@link ConformanceCoverageTest} checks that every row is either
 * covered by at least one conformance case or listed here as not modelled.
 */
final class ConformanceRows {

    private ConformanceRows() {
    }

    /** A row of a section of ap-bus.md, e.g. ("§1.2", "apmask"). */
    record Row(String section, String name) {
        Row {
            Objects.requireNonNull(section);
            Objects.requireNonNull(name);
        }

        @Override
        public String toString() {
            return section + " " + name;
        }
    }

    /** Every row name of the covered sections, in document order. */
    static final Map<String, List<String>> DOC_ROWS = new LinkedHashMap<>();

    static {
        DOC_ROWS.put("§1.2", List.of(
                "apmask", "aqmask", "ap_adapter_mask", "ap_usage_domain_mask", "ap_control_domain_mask",
                "ap_domain", "ap_max_adapter_id", "ap_max_domain_id", "ap_interrupts", "config_time",
                "poll_thread", "poll_timeout", "scans", "bindings", "features", "bindings_complete_count",
                "drivers_probe", "drivers_autoprobe"));
        DOC_ROWS.put("§1.7", List.of(
                "matrix/features", "name", "device_api", "available_instances", "create", "devices/"));
        DOC_ROWS.put("§1.8", List.of(
                "assign_adapter", "unassign_adapter", "assign_domain", "unassign_domain",
                "assign_control_domain", "unassign_control_domain", "control_domains", "matrix",
                "guest_matrix", "ap_config", "remove", "mdev_type"));
        DOC_ROWS.put("§1.9", List.of("both non-empty", "adapters only", "domains only", "both empty"));
        DOC_ROWS.put("§1.10", List.of(
                "device uevent", "bus and driver uevent", "subsystem", "driver", "module", "iommu_group",
                "read-only attribute", "write-only attribute"));
        DOC_ROWS.put("§1.11", List.of(
                "card serialnr", "card API_ordinalnr", "card FW_version", "card op_modes", "queue mkvps", "queue op_modes"));
        DOC_ROWS.put("§2.1", List.of(
                "relative: signed terms", "relative: ranges", "relative: base-0 numbers",
                "relative: optional separators", "relative: left to right, last wins", "relative: errors",
                "relative: kernel example +0-15,+32,-128,-0xFF",
                "absolute: 0x/x prefix", "absolute: right padding", "absolute: more than 64 digits",
                "absolute: 0X rejected", "absolute: empty input", "absolute: upper-case digits",
                "absolute: trailing characters", "errors change nothing", "identical mask is a no-op",
                "boot parameters ap.apmask=/ap.aqmask="));
        DOC_ROWS.put("§2.2", List.of(
                "decimal", "0x/0X hex", "leading 0 octal", "one trailing newline", "anything else EINVAL",
                "overflow ERANGE", "no lists or ranges"));
        DOC_ROWS.put("§2.3", List.of(
                "three absolute masks", "fewer than three fields", "empty field", "text after the third field",
                "relative syntax not supported", "overlong input truncated", "s390-tools form"));
        DOC_ROWS.put("§2.4", List.of(
                "ap_domain %i", "config_time %d", "card config %d", "zcrypt online %d", "poll_thread kstrtobool",
                "se_bind kstrtobool", "poll_timeout kstrtoul", "mdev create UUID"));
        DOC_ROWS.put("§8.1", List.of("default domain warning", "SESTAT column", "card status", "DRIVER filter"));
        DOC_ROWS.put("§10", List.of(
                "1 mask shape", "2 ownership", "3 binding gate", "4 mask writes atomic and synchronous",
                "5 mask veto", "6 device existence", "7 leaving a driver = flush + zeroize",
                "8 exclusive assignment", "9 no host-owned assignment", "10 range", "11 idempotence",
                "12 shadow APCB", "13 adapter granularity of unplug", "14 one mdev per guest",
                "15 zeroize points", "16 queue status", "17 bindings", "18 zcrypt online",
                "19 ap_config all-or-nothing", "20 mdev create/remove"));
    }

    /**
     * What the simulated kernel does not model. {@code part == null}: the whole row is not modelled
     * (and needs no conformance case); otherwise only that part of a covered row is left out.
     */
    enum NotModelled {
        BOOT_PARAMETERS("§2.1", "boot parameters ap.apmask=/ap.aqmask=", null,
                "machine profiles give the initial masks relative to the all-ones default (as if echoed after boot); "
                        + "the kernel command line with its all-zero start mask is not simulated"),
        SE_BIND("§2.4", "se_bind kstrtobool", null,
                "Secure Execution guest attributes (se_bind, se_associate) are not modelled: the simulator is a host LPAR"),
        MASK_ERESTARTSYS("§1.2", "apmask", "ERESTARTSYS",
                "signals while waiting for the AP lock do not exist in the simulator (writes never block on the bus lock)"),
        MASK_UEVENT("§1.2", "apmask", "uevent APMASK=/AQMASK= delivery to udev",
                "uevents are recorded by SimKernel but not delivered through sysfs/netlink; not observable through reads"),
        QCI_NOT_SUPPORTED("§1.2", "ap_adapter_mask", "`not supported` form",
                "the simulated machine always has QCI"),
        POLL_THREAD_THREAD("§1.2", "poll_thread", "the poll kthread itself",
                "no poll thread runs (adapter interrupts are always in use); only the attribute grammar and format are modelled"),
        POLL_TIMEOUT_TIMER("§1.2", "poll_timeout", "hrtimer reprogramming",
                "no timers; the value is stored and read back"),
        CONFIG_TIME_TIMER("§1.2", "config_time", "periodic rescan timer",
                "no periodic scans: tests drive scans through the scans attribute"),
        AP_CONFIG_ENOMEM("§1.8", "ap_config", "ENOMEM", "the simulator never runs out of memory"),
        SHADOW_RESET_STATE("§10", "12 shadow APCB", "filtering on unclean reset (newer kernels)",
                "zeroize always succeeds in the simulator, so no adapter is filtered for a failed reset"),
        REQUEST_COUNT_NUDGE("§1.2", "scans", "request_count 0 after a scan-created vfio queue (§1.5 nudge)",
                "SimKernel reads '-' for every queue not bound to cex4queue (documented choice)"),
        AP_CONFIG_TRUNCATION("§2.3", "overlong input truncated", "exact truncation length (≈201 chars)",
                "§11.9: inferred from code; only 'trailing text after the third mask is ignored' is asserted"),
        SYNTH_UEVENT_DELIVERY("§1.10", "bus and driver uevent", "the synthetic event of a bus, driver or module object",
                "accepted or refused like the kernel, but not recorded: SimKernel's uevent log holds device events only"),
        MDEV_DRIVER_BIND("§1.10", "driver", "bind/unbind files of the mdev bus driver",
                "unbinding an mdev from its driver (which removes the vfio device under a guest) is not modelled; the files are absent"),
        EP11_COMPLIANCE_MODES("§1.11", "card op_modes", "non-empty op_modes (compliance modes set by a TKE)",
                "simulated EP11 cards and domains run in no compliance mode"),
        ZCRYPT_INFO_CACHE("§1.11", "card serialnr", "zcrypt's CCA/EP11 info caches (old answers after the card stops answering)",
                "the model answers from the current state: an unreachable card reads as unknown at once"),
        SESTAT_PRESENT("§8.1", "SESTAT column", "the column itself (APSB is only offered inside Secure Execution guests)",
                "asserted by LszcryptTest over an exported tree whose features include APSB");

        final String section;
        final String row;
        final String part;
        final String reason;

        NotModelled(String section, String row, String part, String reason) {
            this.section = section;
            this.row = row;
            this.part = part;
            this.reason = reason;
        }

        Row row() {
            return new Row(section, row);
        }

        boolean wholeRow() {
            return part == null;
        }
    }
}
