package dev.apqn.apbus.sim;

import dev.apqn.ap.Apqn;
import dev.apqn.ap.Errno;

import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Bus scans of the simulated kernel: picking up {@link SimFirmware} changes (host configuration,
 * adapter config/checkstop), creating and removing card and queue devices, and the SCLP
 * configure/deconfigure of a card ({@code config} writes). The state is the {@link SimKernel}'s;
 * runs under the kernel lock.
 *
 * <h2>Choices where ap-bus.md is open (§11) or where the model simplifies</h2>
 * <ul>
 *   <li>There is no periodic scan timer: a test or a {@code scans} write drives scans.</li>
 *   <li>§11.8: SCLP configure/deconfigure never fails (inject errors with {@link SimFaults}); the card's
 *       {@code config} changes at once, its queues follow at the next scan.</li>
 *   <li>Every domain in the host usage-domain configuration up to {@code ap_max_domain_id} exists as a
 *       queue on every card device (TAPQ always finds it); checkstop and configuration are per adapter.</li>
 *   <li>Card devices are never re-created by a scan (the model has no card type/function changes).</li>
 * </ul>
 */
final class SimBusScan {

    private final SimKernel k;
    private final SimFirmware firmware;
    private final SimBusBinding binding;

    SimBusScan(SimKernel kernel, SimFirmware firmware, SimBusBinding binding) {
        this.k = kernel;
        this.firmware = firmware;
        this.binding = binding;
    }

    /**
     * Picks up host configuration changes, creates/removes devices, tracks config/checkstop, then
     * checks "bindings complete".
     */
    void scan() {
        MachineProfile profile = k.profile();
        boolean configChanged = !(firmware.apm.equals(k.qciApm()) && firmware.aqm.equals(k.qciAqm()) && firmware.adm.equals(k.qciAdm()));
        if (configChanged) {
            k.adoptHostConfiguration(firmware.apm, firmware.aqm, firmware.adm);
            k.vfio().onConfigChanged();
        }
        for (int a = 0; a <= profile.maxAdapterId(); a++) {
            SimFirmware.AdapterHw hw = firmware.adapter(a);
            SimCard c = k.cards().get(a);
            if (hw == null || !k.qciApm().get(a)) {
                if (c != null) {
                    removeCard(c);
                }
                continue;
            }
            if (c == null) {
                c = new SimCard(hw.card, functionsOf(hw.card), hw.configured, hw.checkstopped, serialOf(hw.card));
                k.putCard(a, c);
                k.uevent("add", SimKernel.devpath(c), cardUeventEnv(c));
                if (k.attributes().driversAutoprobe()) {
                    binding.bindCard(c);
                }
            } else {
                if (c.chkstop != hw.checkstopped) {
                    c.chkstop = hw.checkstopped;
                }
                if (c.config != hw.configured) {
                    c.config = hw.configured;
                    k.uevent("change", SimKernel.devpath(c), Map.of("CONFIG", c.config ? "1" : "0"));
                }
            }
            for (int d = 0; d <= profile.maxDomainId(); d++) {
                Apqn apqn = Apqn.of(a, d);
                SimQueue q = k.queues().get(apqn);
                if (!k.qciAqm().get(d)) {
                    if (q != null) {
                        removeQueue(q);
                    }
                    continue;
                }
                if (q == null) {
                    q = new SimQueue(apqn, hw.configured, hw.checkstopped);
                    k.putQueue(apqn, q);
                    k.uevent("add", SimKernel.devpath(q), Map.of("MODE", modeName(c)));
                    if (k.attributes().driversAutoprobe()) {
                        binding.probe(q);
                    }
                } else {
                    updateQueueState(q, hw.configured, hw.checkstopped);
                }
            }
        }
        if (configChanged) {
            k.vfio().onScanComplete();
        }
        if (k.attributes().apDomain() < 0) {
            selectDefaultDomain();
        }
        if (k.countScan() == 1) {
            k.uevent("change", "/devices/ap", Map.of("INITSCAN", "done"));
        }
        binding.checkBindingsComplete();
    }

    /** A write to a card's {@code config} (SCLP configure/deconfigure, §6.4). */
    void writeCardConfig(int adapter, String raw) {
        SimCard c = k.requireCard(adapter);
        int v = KernelInput.sscanfInt(raw).filter(i -> i == 0 || i == 1)
                .orElseThrow(() -> new SimKernelException(Errno.EINVAL, "config takes 0 or 1"));
        boolean cfg = v == 1;
        if (cfg != c.config) {
            firmware.adapter(adapter).configured = cfg;
            c.config = cfg;
            k.uevent("change", SimKernel.devpath(c), Map.of("CONFIG", cfg ? "1" : "0"));
        }
    }

    private void selectDefaultDomain() {
        for (SimQueue q : k.queues().values()) {
            if (k.aqmask().get(q.apqn().domain())) {
                k.attributes().selectDefaultDomain(q.apqn().domain());
                return;
            }
        }
    }

    private void updateQueueState(SimQueue q, boolean configured, boolean checkstopped) {
        if (checkstopped && !q.chkstop) {
            q.chkstop = true;
            k.traffic().flush(q.apqn());
        } else if (!checkstopped && q.chkstop) {
            q.chkstop = false;
        }
        if (!configured && q.config) {
            q.config = false;
            k.uevent("change", SimKernel.devpath(q), Map.of("CONFIG", "0"));
            k.traffic().flush(q.apqn());
        } else if (configured && !q.config) {
            q.config = true;
            k.uevent("change", SimKernel.devpath(q), Map.of("CONFIG", "1"));
        }
    }

    private void removeQueue(SimQueue q) {
        binding.leaveDriver(q);
        k.removeQueue(q.apqn());
        k.uevent("remove", SimKernel.devpath(q), Map.of());
    }

    private void removeCard(SimCard c) {
        for (SimQueue q : List.copyOf(k.queues().subMap(Apqn.of(c.id(), 0), true, Apqn.of(c.id(), 255), true).values())) {
            removeQueue(q);
        }
        c.driver = null;
        k.removeCard(c.id());
        k.uevent("remove", SimKernel.devpath(c), Map.of());
    }

    private static Map<String, String> cardUeventEnv(SimCard c) {
        return Map.of("DEV_TYPE", String.format("%04X", c.hardware().generation().hwtype()),
                "MODALIAS", String.format("ap:t%02X", c.hardware().generation().hwtype()),
                "MODE", modeName(c));
    }

    private static String modeName(SimCard c) {
        return SimDriverCore.modeName(c);
    }

    /** The card's {@code ap_functions}: the profile's word, or a typical one for the mode. */
    private int functionsOf(MachineProfile.Card card) {
        if (card.functions() != 0) {
            return card.functions();
        }
        MachineProfile profile = k.profile();
        boolean apxa = profile.maxAdapterId() > 63 || profile.maxDomainId() > 15;
        int f = switch (card.mode()) {
            case CCA -> 0x80000000 | 0x40000000 | 0x20000000 | 0x10000000 | 0x00800000;
            case EP11 -> 0x80000000 | 0x04000000 | 0x00800000;
            case ACCELERATOR -> 0x40000000 | 0x20000000 | 0x08000000 | 0x00800000;
        };
        return apxa ? f | 0x02000000 : f;
    }

    /**
     * A serial number that is stable for a seed, so runs can be repeated, with the width the card
     * reports: 8 characters for CCA (zcrypt_ccamisc {@code char serial[9]}), 16 for EP11 (the
     * module's serial, printed with {@code %16.16s}). Accelerators have none.
     */
    private String serialOf(MachineProfile.Card card) {
        Random r = new Random(k.seed() * 31 + card.id());
        String alphabet = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ";
        int width = card.mode() == MachineProfile.Mode.EP11 ? 16 : 8;
        StringBuilder sb = new StringBuilder("93");
        while (sb.length() < width) {
            sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return sb.toString();
    }
}
