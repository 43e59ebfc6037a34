package dev.apqn.apbus.sim;

import dev.apqn.ap.Apqn;

/**
 * A card device of the simulated kernel ({@code /sys/devices/ap/cardNN}). Mutable state owned by
 * {@link SimKernel}; read it only under the kernel's lock (or through {@link SimSysfs}).
 */
public final class SimCard {

    private final MachineProfile.Card hardware;
    private final int functions;
    boolean config;
    boolean chkstop;
    SimDriver driver;
    /** zcrypt's online flag (meaningful while cex4card is bound). */
    boolean zcryptOnline;
    final String serial;

    SimCard(MachineProfile.Card hardware, int functions, boolean config, boolean chkstop, String serial) {
        this.hardware = hardware;
        this.functions = functions;
        this.config = config;
        this.chkstop = chkstop;
        this.serial = serial;
    }

    public int id() {
        return hardware.id();
    }

    public MachineProfile.Card hardware() {
        return hardware;
    }

    /** The card's {@code ap_functions} word (SE bits never set on cards). */
    public int functions() {
        return functions;
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

    public boolean zcryptOnline() {
        return zcryptOnline;
    }

    /** The device name, e.g. {@code card05}. */
    public String name() {
        return Apqn.of(id(), 0).cardName();
    }

    /** zcrypt type name, e.g. {@code CEX8C}. */
    public String typeName() {
        return "CEX" + (hardware.generation().hwtype() - 6) + hardware.mode().typeSuffix();
    }
}
