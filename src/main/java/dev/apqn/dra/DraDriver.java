package dev.apqn.dra;

/**
 * The names of the operator's Dynamic Resource Allocation driver, shared by the ResourceSlice
 * publisher, the kubelet plugin and the chart: the driver name, and the attributes of each published
 * device (one per Ready reservation). Attributes are written without a domain, so they belong to the
 * driver's domain and a CEL selector reads them as {@code device.attributes["apqn.dev"].<name>}.
 */
public final class DraDriver {

    /** The driver name (also the DeviceClass name and the attributes' domain). */
    public static final String NAME = "apqn.dev";

    /** The reservation's namespace (string). */
    public static final String RESERVATION_NAMESPACE = "reservationNamespace";
    /** The reservation's name (string). */
    public static final String RESERVATION_NAME = "reservationName";
    /** The mdev UUID, lower case (string). */
    public static final String MDEV_UUID = "mdevUUID";
    /** The mdev's APQNs, sorted, comma-separated, e.g. {@code 05.0004,05.0006} (string). */
    public static final String APQNS = "apqns";
    /** How many APQNs the mdev has (int). */
    public static final String APQN_COUNT = "apqnCount";
    /** The mdev's adapters, hex, comma-separated, e.g. {@code 05,06} (string). */
    public static final String ADAPTERS = "adapters";
    /** The mdev's usage domains, hex, comma-separated, e.g. {@code 0004,0006} (string). */
    public static final String DOMAINS = "domains";
    /** The mdev's control domains, hex, comma-separated, may be empty (string). */
    public static final String CONTROL_DOMAINS = "controlDomains";
    /** The distinct card generations of the adapters, e.g. {@code CEX8} (string). */
    public static final String GENERATIONS = "generations";
    /** The distinct card modes of the adapters: {@code ep11}, {@code cca}, {@code accel} (string). */
    public static final String MODES = "modes";

    private DraDriver() {
    }
}
