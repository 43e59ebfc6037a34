package dev.apqn.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.Matrix;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IntentLedgerTest {

    @TempDir
    Path dir;

    private static final UUID U = UUID.fromString("a1b2c3d4-0000-4000-8000-000000000001");

    @Test
    void ownershipAndOpenIntentsSurviveAReopenAndATornLastLine() throws Exception {
        IntentLedger l = IntentLedger.open(dir, "boot-1");
        var take = l.begin(IntentLedger.Op.CLEAR_AQMASK, "4-5", "take 03.0004 from the host", "team-a/vm1", "set", "cleared");
        l.done(take, List.of(LedgerChange.aqmask(true, 4), LedgerChange.aqmask(true, 5)));
        var create = l.begin(IntentLedger.Op.CREATE_MDEV, U.toString(), "create", "team-a/vm1", "", "created");
        l.done(create, List.of(LedgerChange.ownMdev(U, "team-a/vm1", new Matrix(ApMask.of(3), ApMask.of(4, 5), ApMask.of(4)))));
        var pending = l.begin(IntentLedger.Op.SET_OVERRIDE, "03.0004", "why with spaces", "", "", "vfio_ap");
        Files.writeString(dir.resolve(IntentLedger.JOURNAL), "D seq=" + pending.seq() + " c=%2Bov%7C03.0004", StandardOpenOption.APPEND);

        IntentLedger again = IntentLedger.open(dir, "boot-1");

        assertThat(again.owned().aqmaskBits()).isEqualTo(ApMask.of(4, 5));
        assertThat(again.owned().mdevs().get(U).confirmed().controlDomains()).isEqualTo(ApMask.of(4));
        assertThat(again.owned().overrides()).doesNotContain(Apqn.of(3, 4));
        assertThat(again.openIntents()).singleElement().satisfies(i -> {
            assertThat(i.op()).isEqualTo(IntentLedger.Op.SET_OVERRIDE);
            assertThat(i.why()).isEqualTo("why with spaces");
        });
        assertThat(again.restoring()).isFalse();
    }

    @Test
    void aJournalOfAnotherBootIsDiscardedAndTheNodeIsRestoring() throws Exception {
        IntentLedger l = IntentLedger.open(dir, "boot-1");
        l.done(l.begin(IntentLedger.Op.CLEAR_APMASK, "3", "", "", "", ""), List.of(LedgerChange.apmask(true, 3)));

        IntentLedger after = IntentLedger.open(dir, "boot-2");

        assertThat(after.discardedForReboot()).isTrue();
        assertThat(after.restoring()).isTrue();
        assertThat(after.owned().isEmpty()).isTrue();
        assertThat(IntentLedger.open(dir, "boot-2").restoring()).isTrue();
    }

    @Test
    void compactionKeepsOwnershipAndOpenIntents() throws Exception {
        IntentLedger l = IntentLedger.open(dir, "boot-1");
        var open = l.begin(IntentLedger.Op.REMOVE_MDEV, U.toString(), "", "", "", "");
        l.unknown(open);
        for (int b = 0; b < 150; b++) {
            l.done(l.begin(IntentLedger.Op.CLEAR_APMASK, Integer.toString(b), "", "", "", ""), List.of(LedgerChange.apmask(true, b)));
        }
        assertThat(Files.readAllLines(dir.resolve(IntentLedger.JOURNAL)).size()).isLessThan(200);

        IntentLedger again = IntentLedger.open(dir, "boot-1");
        assertThat(again.owned().apmaskBits()).isEqualTo(ApMask.fromRange(0, 149));
        assertThat(again.openIntents()).singleElement().satisfies(i -> assertThat(i.outcomeUnknown()).isTrue());
        var next = again.begin(IntentLedger.Op.PROBE, "03.0004", "", "", "", "");
        assertThat(next.seq()).isGreaterThan(150);
    }

    @Test
    void inFlightEstimatesOfConfirmedTakesSurviveReopenAndCompaction() throws Exception {
        IntentLedger l = IntentLedger.open(dir, "boot-1");
        var take = l.begin(IntentLedger.Op.CLEAR_AQMASK, "4", "take", "ns/a b,c", "set", "cleared",
                java.util.Map.of("ns/a b,c", 3, "ns/d", 0));
        IntentLedger reopened = IntentLedger.open(dir, "boot-1");
        assertThat(reopened.openIntents()).singleElement().satisfies(i -> assertThat(i.inFlight())
                .isEqualTo(java.util.Map.of("ns/a b,c", 3, "ns/d", 0)));
        assertThat(reopened.inFlightAtTakeover()).as("not confirmed yet").isEmpty();
        reopened.done(reopened.openIntents().get(0), List.of(LedgerChange.aqmask(true, 4)));
        var again = reopened.begin(IntentLedger.Op.CLEAR_AQMASK, "5", "take", "ns/d", "set", "cleared", java.util.Map.of("ns/d", 2));
        reopened.done(again, List.of(LedgerChange.aqmask(true, 5)));
        assertThat(IntentLedger.open(dir, "boot-1").inFlightAtTakeover()).isEqualTo(java.util.Map.of("ns/a b,c", 3, "ns/d", 2));
        for (int b = 10; b < 120; b++) { // force compaction
            reopened.done(reopened.begin(IntentLedger.Op.CLEAR_APMASK, Integer.toString(b), "", "", "", ""), List.of(LedgerChange.apmask(true, b)));
        }
        reopened.retainTakeovers(List.of("ns/d"));
        IntentLedger last = IntentLedger.open(dir, "boot-1");
        assertThat(last.inFlightAtTakeover()).isEqualTo(java.util.Map.of("ns/d", 2));
        assertThat(IntentLedger.open(dir, "boot-2").inFlightAtTakeover()).as("a reboot forgets them").isEmpty();
    }
}
