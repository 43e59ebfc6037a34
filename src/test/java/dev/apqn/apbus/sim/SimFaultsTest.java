package dev.apqn.apbus.sim;

import dev.apqn.ap.ApMask;
import dev.apqn.ap.Errno;
import dev.apqn.apbus.SysfsTimeoutException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.apqn.apbus.sim.SimBusTest.assertErrno;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SimFaultsTest {

    @Test
    void failNextWriteFailsOnceWithoutEffectAndMatchesAliases() throws Exception {
        SimSysfs s = SimFixtures.node().sysfs();
        s.faults().failNextWrite("/sys/devices/ap/card05/config", Errno.EIO);
        assertErrno(() -> s.write("/sys/bus/ap/devices/card05/config", "0"), Errno.EIO);
        assertThat(s.read("/sys/devices/ap/card05/config")).isEqualTo("1\n");
        s.write("/sys/bus/ap/devices/card05/config", "0");
        assertThat(s.read("/sys/devices/ap/card05/config")).isEqualTo("0\n");
        s.faults().failNextRead("/sys/bus/ap/bindings", Errno.EAGAIN);
        assertErrno(() -> s.read("/sys/bus/ap/bindings"), Errno.EAGAIN);
        assertThat(s.read("/sys/bus/ap/bindings")).endsWith("\n");
    }

    @Test
    void hungReadTimesOutUntilReleased() throws Exception {
        SimSysfs s = SimFixtures.node().sysfs().withCallTimeout(Duration.ofMillis(50));
        SimFaults.Hang hang = s.faults().hangReads("/sys/devices/ap/card05/05.0004/online");
        assertThatThrownBy(() -> s.read("/sys/bus/ap/devices/05.0004/online")).isInstanceOf(SysfsTimeoutException.class);
        assertThat(hang.blockedCalls()).isEqualTo(1);
        // a waiting reader proceeds when the hang is released
        s.withCallTimeout(Duration.ofSeconds(5));
        CompletableFuture<String> later = CompletableFuture.supplyAsync(() -> {
            try {
                return s.read("/sys/devices/ap/card05/05.0004/online");
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        while (hang.blockedCalls() < 2) {
            Thread.sleep(5);
        }
        hang.release();
        assertThat(later.get(5, TimeUnit.SECONDS)).isEqualTo("1\n");
    }

    @Test
    void aTimedOutWriteLandsWhenReleased() throws Exception {
        SimSysfs s = SimFixtures.node().sysfs().withCallTimeout(Duration.ofMillis(30));
        SimFaults.Hang hang = s.faults().hangWrites("/sys/bus/ap/apmask");
        assertThatThrownBy(() -> s.write("/sys/bus/ap/apmask", "-5\n"))
                .isInstanceOfSatisfying(SysfsTimeoutException.class, e -> assertThat(e.outcomeUnknown()).isTrue());
        assertThat(s.read("/sys/bus/ap/apmask")).isEqualTo(ApMask.all().toSysfs()); // not yet
        List<SimFaults.LandedWrite> landed = hang.release();
        assertThat(landed).hasSize(1);
        assertThat(landed.get(0).error()).isNull();
        assertThat(s.read("/sys/bus/ap/apmask")).isEqualTo(ApMask.all().without(5).toSysfs());
        assertThat(s.read("/sys/devices/ap/card05/05.0004/status")).isEqualTo("unassigned\n");
        // after release, writes go straight through
        s.write("/sys/bus/ap/apmask", "+5\n");
        assertThat(s.read("/sys/bus/ap/apmask")).isEqualTo(ApMask.all().toSysfs());
    }

    @Test
    void aLandedWriteReportsTheKernelsErrno() throws Exception {
        SimSysfs s = SimFixtures.node().sysfs().withCallTimeout(Duration.ofMillis(10));
        SimFaults.Hang hang = s.faults().hangWrites("/sys/bus/ap/aqmask");
        assertThatThrownBy(() -> s.write("/sys/bus/ap/aqmask", "0X1")).isInstanceOf(SysfsTimeoutException.class);
        List<SimFaults.LandedWrite> landed = hang.release();
        assertThat(landed.get(0).error().errno()).isEqualTo(Errno.EINVAL);
    }
}
