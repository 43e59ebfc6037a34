package dev.apqn.cli;

/**
 * Who holds one APQN of a node, as the grid shows it: one character per kind (reservations get a
 * letter each, see {@link NodeGrid#letterOf}), and the sentence the legend gives it.
 */
public enum Holder {
    /** With the host's zcrypt driver and free to reserve. */
    HOST('.', "with the host (zcrypt), free"),
    /** With the host and kept for it by an APQNPolicy (spec.hostKeep): never reserved. */
    HOST_KEPT('h', "with the host, kept for it by policy (APQNPolicy hostKeep)"),
    /** With the host driver, but zcrypt has it (or its card) offline. */
    OFFLINE('-', "with the host, offline"),
    /** In a reservation's matrix (the letter is the reservation's). */
    RESERVED('A', "reserved by a reservation (its letter below)"),
    /** Off the host only because a reservation's mask edit pulled it in (lower case of the reservation's letter). */
    COLLATERAL('a', "collateral of a reservation (lower case of its letter): off the host, unused"),
    /** Off the host after its reservation was deleted with releasePolicy: Keep. */
    KEPT('K', "kept off the host after a release (releasePolicy: Keep)"),
    /** Declared off the host by an APQNPolicy. */
    ADMIN('P', "off the host, declared by a policy"),
    /** In a vfio_ap mdev the operator did not make (mdevctl, libvirt): left alone. */
    FOREIGN_MDEV('F', "in an mdev the operator did not make"),
    /** Off the host, not by the operator and in no mdev (a mask bit or driver_override someone else set). */
    FOREIGN('f', "off the host, not by the operator (someone else's mask bit or override)"),
    /** The card is checkstopped. */
    CHECKSTOPPED('!', "checkstopped"),
    /** The card is not configured (standby, or configured to another LPAR's use). */
    NOT_CONFIGURED('~', "not configured (card in standby or deconfigured)"),
    /** No queue device: the adapter has no such domain. */
    NONE(' ', "no queue device");

    private final char symbol;
    private final String meaning;

    Holder(char symbol, String meaning) {
        this.symbol = symbol;
        this.meaning = meaning;
    }

    /** The grid character of the kinds that have a fixed one (reservations and collateral use letters). */
    public char symbol() {
        return symbol;
    }

    public String meaning() {
        return meaning;
    }

    /** Whether the holder is a reservation (a claim with an owner and a letter). */
    public boolean lettered() {
        return this == RESERVED || this == COLLATERAL;
    }
}
