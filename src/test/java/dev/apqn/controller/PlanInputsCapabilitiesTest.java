package dev.apqn.controller;

import dev.apqn.api.v1alpha1.CapabilitiesStatus;
import dev.apqn.api.v1alpha1.CapabilitiesStatus.Evidence;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** How the controller tells a 6.0+ (dynamic) vfio_ap from what the agent reports. */
class PlanInputsCapabilitiesTest {

    @Test
    void guestMatrixOrApConfigFilesProveADynamicVfioAp() {
        assertThat(PlanInputs.dynamicVfioAp(caps(Evidence.Present, Evidence.Unknown, null, null))).isTrue();
        assertThat(PlanInputs.dynamicVfioAp(caps(Evidence.Unknown, Evidence.Present, null, null))).isTrue();
    }

    @Test
    void beforeTheFirstMdevNewerBusOrMatrixFeaturesImplyIt() {
        assertThat(PlanInputs.dynamicVfioAp(caps(Evidence.Unknown, Evidence.Unknown, List.of("APSC", "APXA"), null))).isTrue();
        assertThat(PlanInputs.dynamicVfioAp(caps(Evidence.Unknown, Evidence.Unknown, null, List.of("guest_matrix")))).isTrue();
    }

    @Test
    void legacyOrUnknownIsNotDynamic() {
        assertThat(PlanInputs.dynamicVfioAp(caps(Evidence.Absent, Evidence.Absent, null, null))).isFalse();
        assertThat(PlanInputs.dynamicVfioAp(caps(Evidence.Unknown, Evidence.Unknown, null, null))).isFalse();
        assertThat(PlanInputs.dynamicVfioAp(null)).isFalse();
    }

    private static CapabilitiesStatus caps(Evidence guestMatrix, Evidence apConfig, List<String> bus, List<String> matrix) {
        CapabilitiesStatus c = new CapabilitiesStatus();
        c.setGuestMatrix(guestMatrix);
        c.setApConfig(apConfig);
        c.setBusFeatures(bus);
        c.setMatrixFeatures(matrix);
        return c;
    }
}
