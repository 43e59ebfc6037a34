package dev.apqn.agent;

import dev.apqn.agent.IntentLedger.Intent;
import dev.apqn.ap.ApDriver;
import dev.apqn.ap.ApMask;
import dev.apqn.ap.ApMdev;
import dev.apqn.ap.ApQueue;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.Matrix;
import dev.apqn.apbus.ApBus;
import dev.apqn.apbus.SysfsException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Decides what became of an intent by re-reading the kernel, after the write returned, failed,
 * timed out, or after a crash: the same rule in every case, so recovery is ordinary operation.
 * <ul>
 *   <li>the intended effect is visible → done, with the ownership changes it implies (only the
 *       mask bits that were set before and are clear now become the operator's; a give-back
 *       disowns only what the host really has again);</li>
 *   <li>not visible → aborted; unless the write timed out, in which case the kernel may still
 *       apply it: the intent stays open and is resolved again at the next converge.</li>
 * </ul>
 * Deciding whether the state is still wanted is not its job: the converge that follows finishes
 * what the target wants and gives back what it does not.
 */
final class IntentResolver {

    private final ApBus bus;
    private final IntentLedger ledger;

    IntentResolver(ApBus bus, IntentLedger ledger) {
        this.bus = bus;
        this.ledger = ledger;
    }

    /** Resolves the intent; returns true if its effect is visible (done). */
    boolean resolve(Intent i, boolean outcomeUnknown) throws SysfsException, IOException {
        Optional<List<LedgerChange>> effect = effect(i, outcomeUnknown);
        if (effect.isPresent()) {
            ledger.done(i, effect.get());
            return true;
        }
        if (outcomeUnknown || i.outcomeUnknown()) {
            if (!i.outcomeUnknown()) {
                ledger.unknown(i);
            }
        } else {
            ledger.abort(i);
        }
        return false;
    }

    /** The ownership changes if the intent's effect is visible now; empty if it is not. */
    private Optional<List<LedgerChange>> effect(Intent i, boolean outcomeUnknown) throws SysfsException {
        List<LedgerChange> out = new ArrayList<>();
        switch (i.op()) {
            case CLEAR_APMASK, CLEAR_AQMASK -> {
                boolean ap = i.op() == IntentLedger.Op.CLEAR_APMASK;
                ApMask bits = parseBits(i.object());
                ApMask landed = bits.andNot(ap ? bus.readApmask() : bus.readAqmask());
                if (landed.isEmpty() && !bits.isEmpty()) {
                    return Optional.empty();
                }
                landed.ids().forEach(b -> out.add(ap ? LedgerChange.apmask(true, b) : LedgerChange.aqmask(true, b)));
            }
            case SET_APMASK, SET_AQMASK -> {
                boolean ap = i.op() == IntentLedger.Op.SET_APMASK;
                ApMask bits = parseBits(i.object());
                ApMask back = bits.and(ap ? bus.readApmask() : bus.readAqmask());
                if (back.isEmpty() && !bits.isEmpty()) {
                    return Optional.empty();
                }
                back.ids().forEach(b -> out.add(ap ? LedgerChange.apmask(false, b) : LedgerChange.aqmask(false, b)));
            }
            case SET_OVERRIDE -> {
                Apqn q = Apqn.parse(i.object());
                Optional<ApQueue> queue = QueueReads.queue(bus, q);
                if (queue.isEmpty() || !queue.get().driverOverride().equals(Optional.of(ApDriver.VFIO_AP.sysfsName()))) {
                    return Optional.empty();
                }
                out.add(LedgerChange.override(true, q));
            }
            case CLEAR_OVERRIDE -> {
                Apqn q = Apqn.parse(i.object());
                Optional<ApQueue> queue = QueueReads.queue(bus, q);
                // given back only once the override is gone AND vfio_ap let go: until then it is still off the host
                if (queue.isPresent() && (queue.get().driverOverride().isPresent() || queue.get().driver() == ApDriver.VFIO_AP)) {
                    return Optional.empty();
                }
                out.add(LedgerChange.override(false, q));
            }
            case PROBE -> {
                // no ownership effect; the converge checks the binding itself
            }
            case CREATE_MDEV -> {
                UUID u = UUID.fromString(i.object());
                Optional<ApMdev> m = bus.mdev(u);
                if (m.isEmpty()) {
                    return Optional.empty();
                }
                out.add(LedgerChange.ownMdev(u, i.owner(), m.get().matrix()));
            }
            case REMOVE_MDEV -> {
                UUID u = UUID.fromString(i.object());
                if (bus.mdev(u).isPresent()) {
                    return Optional.empty();
                }
                out.add(LedgerChange.disownMdev(u));
            }
            case CONFIGURE_MDEV -> {
                UUID u = UUID.fromString(i.object());
                Optional<ApMdev> m = bus.mdev(u);
                if (m.isEmpty()) {
                    out.add(LedgerChange.disownMdev(u));
                } else if (m.get().matrix().equals(Matrix.parseApConfigText(i.next())) || !(outcomeUnknown || i.outcomeUnknown())) {
                    // the intended matrix, or (no write pending) the operator's own partial work
                    out.add(LedgerChange.confirmMdev(u, m.get().matrix()));
                } else {
                    return Optional.empty(); // a timed-out write may still land: keep watching
                }
            }
        }
        return Optional.of(out);
    }

    /** Mask bits as the ledger writes them: a decimal range list such as {@code 3-5,9}. */
    static ApMask parseBits(String rangeList) {
        ApMask m = ApMask.none();
        if (rangeList == null || rangeList.isBlank()) {
            return m;
        }
        for (String part : rangeList.split(",")) {
            int dash = part.indexOf('-');
            if (dash < 0) {
                m = m.with(Integer.parseInt(part));
            } else {
                m = m.or(ApMask.fromRange(Integer.parseInt(part.substring(0, dash)), Integer.parseInt(part.substring(dash + 1))));
            }
        }
        return m;
    }
}
