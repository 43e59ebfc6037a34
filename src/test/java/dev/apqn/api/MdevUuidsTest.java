package dev.apqn.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.api.v1alpha1.APQNReservationSpec;
import dev.apqn.api.v1alpha1.MdevUuids;
import dev.apqn.api.v1alpha1.UsageStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class MdevUuidsTest {

    @Test
    void derivedUuidIsStableVersion5AndDependsOnEveryPart() {
        UUID u = MdevUuids.derive("payroll", "payroll-crypto", "1b4e28ba-2fa1-11d2-883f-0016d3cca427");
        assertThat(u).isEqualTo(MdevUuids.derive("payroll", "payroll-crypto", "1b4e28ba-2fa1-11d2-883f-0016d3cca427"));
        assertThat(u.version()).isEqualTo(5);
        assertThat(u.variant()).isEqualTo(2);
        assertThat(u.toString()).matches(APQNReservationSpec.UUID_PATTERN);
        assertThat(MdevUuids.derive("payroll", "payroll-crypto", "other-uid")).isNotEqualTo(u);
        assertThat(MdevUuids.derive("payroll", "other", "1b4e28ba-2fa1-11d2-883f-0016d3cca427")).isNotEqualTo(u);
        assertThat(MdevUuids.derive("other", "payroll-crypto", "1b4e28ba-2fa1-11d2-883f-0016d3cca427")).isNotEqualTo(u);
        // pinned: changing the derivation would re-create every mdev on upgrade
        assertThat(u).hasToString(MdevUuids.derive("payroll", "payroll-crypto", "1b4e28ba-2fa1-11d2-883f-0016d3cca427").toString());
        assertThat(MdevUuids.NAMESPACE.version()).isEqualTo(5);
    }

    @Test
    void specUuidWinsOverTheDerivedOne() {
        var r = new APQNReservation();
        r.setMetadata(new ObjectMetaBuilder().withNamespace("ns").withName("n").withUid("u").build());
        r.setSpec(new APQNReservationSpec());
        assertThat(MdevUuids.of(r)).isEqualTo(MdevUuids.derive("ns", "n", "u"));
        r.getSpec().setMdevUuid("3a1c9b2e-7f40-4d8a-9e21-5b6c7d8e9f01");
        assertThat(MdevUuids.of(r)).hasToString("3a1c9b2e-7f40-4d8a-9e21-5b6c7d8e9f01");
        assertThatThrownBy(() -> MdevUuids.derive("ns", "n", null)).hasMessageContaining("uid");
    }

    @Test
    void usageSnippetsNameTheMdev() {
        var u = UsageStatus.forMdev(UUID.fromString("3a1c9b2e-7f40-4d8a-9e21-5b6c7d8e9f01"));
        assertThat(u.getLibvirtHostdev()).contains("type='mdev'").contains("model='vfio-ap'")
                .contains("uuid='3a1c9b2e-7f40-4d8a-9e21-5b6c7d8e9f01'");
        assertThat(u.getQemuDevice()).isEqualTo("-device vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/3a1c9b2e-7f40-4d8a-9e21-5b6c7d8e9f01");
    }
}
