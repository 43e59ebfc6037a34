package dev.apqn.apbus.sim;

/**
 * The capability sets the simulated kernel can have, each a superset of the one before
 * (ap-bus.md §9). A node's capabilities are detected from the files present, never from this.
 */
public enum KernelLevel {
    /** Pre-6.0 vfio_ap: assignment needs bound queues, EBUSY while a guest runs, no guest_matrix, no hot plug. */
    LEGACY("legacy"),
    /** 6.0: dynamic configuration, guest_matrix, hot plug, queue status, mask in-use veto. */
    DYNAMIC("dynamic"),
    /** 6.10: mdev ap_config (also 6.4's bus features and queue ap_functions). */
    AP_CONFIG("ap-config"),
    /** 6.12: matrix device features. */
    MATRIX_FEATURES("matrix-features"),
    /** 6.19: queue driver_override, bindings_complete_count. */
    DRIVER_OVERRIDE("driver-override");

    private final String yamlName;

    KernelLevel(String yamlName) {
        this.yamlName = yamlName;
    }

    /** The name used in machine profiles. */
    public String yamlName() {
        return yamlName;
    }

    public boolean atLeast(KernelLevel other) {
        return compareTo(other) >= 0;
    }
}
