package dev.apqn.apbus.sim;

import dev.apqn.ap.ApMask;

import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The machine (firmware) state of a simulated node: the installed adapters with their
 * configured/checkstopped state, and the QCI host configuration. It survives a kernel reboot; the
 * kernel sees changes only at its next bus scan ({@link SimBusScan}).
 */
final class SimFirmware {

    /** Machine state of one installed card. */
    static final class AdapterHw {
        final MachineProfile.Card card;
        boolean configured = true;
        boolean checkstopped;

        AdapterHw(MachineProfile.Card card) {
            this.card = card;
        }
    }

    private final SortedMap<Integer, AdapterHw> hardware = new TreeMap<>();
    /** QCI: configured adapters, usage domains, control domains. */
    ApMask apm;
    ApMask aqm;
    ApMask adm;

    SimFirmware(MachineProfile profile) {
        for (MachineProfile.Card c : profile.cards()) {
            hardware.put(c.id(), new AdapterHw(c));
        }
        apm = profile.hostConfig().adapters();
        aqm = profile.hostConfig().usageDomains();
        adm = profile.hostConfig().controlDomains();
    }

    /** The installed card at an adapter, or null. */
    AdapterHw adapter(int adapter) {
        return hardware.get(adapter);
    }

    /** The installed card at an adapter; IllegalArgumentException (a test error) if none. */
    AdapterHw requireAdapter(int adapter) {
        AdapterHw hw = hardware.get(adapter);
        if (hw == null) {
            throw new IllegalArgumentException("no card installed at adapter " + adapter);
        }
        return hw;
    }

    void setHostConfiguration(ApMask adapters, ApMask usageDomains, ApMask controlDomains) {
        apm = Objects.requireNonNull(adapters);
        aqm = Objects.requireNonNull(usageDomains);
        adm = Objects.requireNonNull(controlDomains);
    }
}
