package dev.apqn.apbus.sim;

import dev.apqn.ap.Apqn;

/**
 * A queue device of the simulated kernel ({@code /sys/devices/ap/cardNN/NN.DDDD}). Mutable state
 * owned by {@link SimKernel}; read it only under the kernel's lock (or through {@link SimSysfs}).
 */
public final class SimQueue {

    private final Apqn apqn;
    boolean config;
    boolean chkstop;
    SimDriver driver;
    /** The host queue state machine is initialised (bound to cex4queue); else request_count reads "-". */
    boolean initialised;
    /** zcrypt's online flag (meaningful while cex4queue is bound). */
    boolean zcryptOnline;
    /** 6.19 driver_override, or null. */
    String driverOverride;

    SimQueue(Apqn apqn, boolean config, boolean chkstop) {
        this.apqn = apqn;
        this.config = config;
        this.chkstop = chkstop;
    }

    public Apqn apqn() {
        return apqn;
    }

    public boolean config() {
        return config;
    }

    public boolean chkstop() {
        return chkstop;
    }

    /** The bound driver, or null. */
    public SimDriver driver() {
        return driver;
    }

    public boolean initialised() {
        return initialised;
    }

    public boolean zcryptOnline() {
        return zcryptOnline;
    }

    /** The driver_override, or null when none is set. */
    public String driverOverride() {
        return driverOverride;
    }
}
