package dev.apqn.api.v1alpha1;

/**
 * Field descriptions shared by several API classes ({@code kubectl explain} text). Numbers in the
 * API are decimal JSON integers; only APQN strings are hex, exactly as the kernel names queue
 * devices.
 */
final class Docs {

    static final String ADAPTERS = "Adapters (crypto cards) of the guest's matrix: each an adapter number (APID),"
            + " decimal integer 0-255 (sysfs shows it as 2 hex digits, e.g. card0a is adapter 10). Unique, at least one.";
    static final String DOMAINS = "Usage domains of the guest's matrix: each a domain number (APQI), decimal integer"
            + " 0-255 (sysfs shows it as 4 hex digits after the dot, e.g. queue 05.0010 is domain 16). Unique, at least one.";
    static final String CONTROL_DOMAINS = "Control domains of the guest's matrix (domains the guest may administer,"
            + " e.g. with a TKE, without using them for crypto): each a domain number, decimal integer 0-255 (sysfs shows"
            + " it in hex). Unique. Needs usage domains (spec.domains or spec.apqns).";
    static final String APQN = "An APQN (AP queue: adapter x usage domain) as the kernel names the queue device:"
            + " lower-case hex '%02x.%04x', e.g. '05.0004' is adapter 5, domain 4; '0a.0010' is adapter 10, domain 16.";
    static final String APQN_LIST = "APQNs, each as the kernel names the queue device: lower-case hex '%02x.%04x'"
            + " (adapter.domain), e.g. '05.0004' is adapter 5, domain 4.";
    static final String ADAPTER_LIST = "Adapter numbers, decimal integers 0-255 (sysfs shows them as 2 hex digits).";
    static final String DOMAIN_LIST = "Domain numbers, decimal integers 0-255 (sysfs shows them as 4 hex digits).";
    static final String RANGES = "Compact decimal range list, e.g. '0-3,6,9-84' (sysfs names the same queues in hex).";
    static final String RESERVATION_REF = "The reservation, as 'namespace/name'.";
    static final String MDEV_UUID = "UUID of the vfio_ap mediated device, lower-case, e.g."
            + " '6f3b2a1c-4d5e-4f60-8a7b-9c0d1e2f3a4b' (/sys/devices/vfio_ap/matrix/<uuid>).";
    static final String OBSERVED_GENERATION = "The metadata.generation this status was computed from.";
    static final String CONDITIONS = "Standard conditions (metav1.Condition), one per type.";

    private Docs() {
    }
}
