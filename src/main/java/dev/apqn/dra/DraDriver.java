package dev.apqn.dra;

/**
 * The names of our Dynamic Resource Allocation driver (issue 11, docs/dra.md), shared by the
 * ResourceSlice publisher and the kubelet plugin. A device is one Ready reservation's mdev, named by
 * its UUID in lower case; its attributes live under the domain {@link #NAME}, so a CEL selector reads
 * {@code device.attributes["apqn.dev"].reservationName}.
 */
public final class DraDriver {

    /** The driver name (ResourceSlice spec.driver, DeviceClass selector, kubelet plugin name). */
    public static final String NAME = "apqn.dev";

    public static final String ATTR_RESERVATION_NAMESPACE = "reservationNamespace";
    public static final String ATTR_RESERVATION_NAME = "reservationName";
    public static final String ATTR_MDEV_UUID = "mdevUUID";
    public static final String ATTR_APQNS = "apqns";
    public static final String ATTR_APQN_COUNT = "apqnCount";
    public static final String ATTR_ADAPTERS = "adapters";
    public static final String ATTR_DOMAINS = "domains";
    public static final String ATTR_CONTROL_DOMAINS = "controlDomains";
    public static final String ATTR_GENERATIONS = "generations";
    public static final String ATTR_MODES = "modes";

    private DraDriver() {
    }
}
