package dev.apqn.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.apqn.ap.ApMask;
import dev.apqn.ap.Apqn;
import dev.apqn.ap.Matrix;
import dev.apqn.api.v1alpha1.APNodeStateSpec;
import dev.apqn.api.v1alpha1.HostTargetMapper;
import dev.apqn.api.v1alpha1.NodeMode;
import dev.apqn.plan.HostTarget;
import dev.apqn.plan.MdevTarget;
import dev.apqn.plan.OffHostClaim;
import dev.apqn.plan.OwnershipMode;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class HostTargetMapperTest {

    static final UUID A = UUID.fromString("3a1c9b2e-7f40-4d8a-9e21-5b6c7d8e9f01");
    static final UUID B = UUID.fromString("00000000-0000-4000-8000-000000000002");

    static TreeSet<Apqn> apqns(String... names) {
        var s = new TreeSet<Apqn>();
        for (String n : names) {
            s.add(Apqn.parse(n));
        }
        return s;
    }

    static HostTarget masks() {
        return new HostTarget(OwnershipMode.MASKS, ApMask.of(5, 255), ApMask.of(0, 4, 6),
                new TreeSet<>(),
                new TreeMap<>(Map.of(
                        A, new MdevTarget(A, "payroll/payroll-crypto", new Matrix(ApMask.of(5), ApMask.of(4, 6), ApMask.of(4))),
                        B, new MdevTarget(B, "risk/r", Matrix.of(ApMask.of(255), ApMask.of(0))))),
                List.of(new OffHostClaim(OffHostClaim.Kind.RESERVED, "payroll/payroll-crypto", apqns("05.0004", "05.0006")),
                        new OffHostClaim(OffHostClaim.Kind.COLLATERAL, "payroll/payroll-crypto", apqns("05.0000")),
                        new OffHostClaim(OffHostClaim.Kind.KEPT, "old/gone", apqns("ff.0004")),
                        new OffHostClaim(OffHostClaim.Kind.ADMIN, "s390x-nodes", apqns("ff.0000"))),
                7);
    }

    static HostTarget overrides() {
        return new HostTarget(OwnershipMode.DRIVER_OVERRIDE, ApMask.none(), ApMask.none(), apqns("05.0004", "0a.00ff"),
                new TreeMap<>(Map.of(A, new MdevTarget(A, "p/q", Matrix.of(ApMask.of(5, 10), ApMask.of(4, 255))))),
                List.of(new OffHostClaim(OffHostClaim.Kind.RESERVED, "p/q", apqns("05.0004", "0a.00ff"))), 123456789012L);
    }

    @Test
    void roundTripsBothModesThroughTheSpecAndJson() throws Exception {
        var json = new ObjectMapper();
        for (HostTarget t : List.of(masks(), overrides(), HostTarget.empty(OwnershipMode.MASKS, 0))) {
            APNodeStateSpec spec = HostTargetMapper.toSpec(t);
            assertThat(HostTargetMapper.fromSpec(spec)).contains(t);
            var back = json.readValue(json.writeValueAsString(spec), APNodeStateSpec.class);
            assertThat(HostTargetMapper.fromSpec(back)).contains(t);
        }
    }

    @Test
    void specUsesDecimalNumbersAndHexApqns() {
        var spec = HostTargetMapper.toSpec(masks());
        assertThat(spec.getHostEdits().getMode()).isEqualTo(NodeMode.Masks);
        assertThat(spec.getHostEdits().getAdaptersOffHost()).containsExactly(5, 255);
        assertThat(spec.getHostEdits().getDomainsOffHost()).containsExactly(0, 4, 6);
        assertThat(spec.getHostEdits().getClaims().get(0).getRectangles()).containsExactly("5:4,6");
        assertThat(spec.getHostEdits().getClaims().get(0).getApqns()).isNull();
        assertThat(spec.getHostEdits().getClaims()).filteredOn(c -> c.getKind() == dev.apqn.api.v1alpha1.Claim.Kind.Kept)
                .singleElement().satisfies(c -> {
                    assertThat(c.getRectangles()).as("Kept claims are rectangles too").containsExactly("255:4");
                    assertThat(c.getApqns()).isNull();
                });
        assertThat(spec.getMdevs()).extracting(m -> m.getUuid()).containsExactly(B.toString(), A.toString());
        assertThat(HostTargetMapper.toSpec(overrides()).getHostEdits().getOverrides()).containsExactly("05.0004", "0a.00ff");
    }

    @Test
    void keepsAllocationsAndReportsNoTargetBeforeTheControllerWroteOne() {
        var spec = new APNodeStateSpec();
        assertThat(HostTargetMapper.fromSpec(spec)).isEmpty();
        assertThat(HostTargetMapper.fromSpec(null)).isEmpty();
        spec.setAllocations(List.of(new dev.apqn.api.v1alpha1.Allocation()));
        HostTargetMapper.toSpec(masks(), spec);
        assertThat(spec.getAllocations()).hasSize(1);
    }

    @Test
    void hashIsStableAndCoversEditsAndGeneration() {
        String h = HostTargetMapper.hash(masks());
        assertThat(h).matches("[0-9a-f]{16}").isEqualTo(HostTargetMapper.hash(masks()));
        assertThat(HostTargetMapper.toSpec(masks()).getHostEdits().getHash()).isEqualTo(h);
        var t = masks();
        var moved = new HostTarget(t.mode(), t.adaptersOffHost(), t.domainsOffHost(), t.overrides(), t.mdevs(), t.claims(), 8);
        assertThat(HostTargetMapper.hash(moved)).isNotEqualTo(h);
        var fewer = new HostTarget(t.mode(), ApMask.of(5), t.domainsOffHost(), t.overrides(), t.mdevs(), t.claims(), 7);
        assertThat(HostTargetMapper.hash(fewer)).isNotEqualTo(h);
    }

    @Test
    void claimsAreRectanglesSoCollateralOnEveryAdapterStaysSmall() throws Exception {
        var reserved = new java.util.TreeSet<dev.apqn.ap.Apqn>();
        var collateral = new java.util.TreeSet<dev.apqn.ap.Apqn>();
        var fragmented = new java.util.TreeSet<dev.apqn.ap.Apqn>();
        for (int a = 0; a < 256; a++) {
            for (int d = 0; d < 2; d++) {
                (a < 4 ? reserved : collateral).add(dev.apqn.ap.Apqn.of(a, d));
            }
            for (int d = 0; d < 85; d += 2) {
                if (a % 2 == 0) {
                    fragmented.add(dev.apqn.ap.Apqn.of(a, d));
                }
            }
        }
        var t = new HostTarget(dev.apqn.plan.OwnershipMode.MASKS, ApMask.none(), ApMask.of(0, 1), new java.util.TreeSet<>(),
                new java.util.TreeMap<>(), List.of(new OffHostClaim(OffHostClaim.Kind.RESERVED, "team-s/big", reserved),
                new OffHostClaim(OffHostClaim.Kind.COLLATERAL, "team-s/big", collateral),
                new OffHostClaim(OffHostClaim.Kind.ADMIN, "every-other", fragmented)), 1);
        var spec = HostTargetMapper.toSpec(t);
        assertThat(spec.getHostEdits().getClaims()).extracting(c -> c.getRectangles()).containsExactly(
                List.of("0-3:0-1"), List.of("4-255:0-1"), List.of(ApMask.of(java.util.stream.IntStream.range(0, 128).map(i -> 2 * i)
                        .boxed().toList()).toRangeList() + ":" + ApMask.of(java.util.stream.IntStream.range(0, 43).map(i -> 2 * i)
                        .boxed().toList()).toRangeList()));
        assertThat(HostTargetMapper.fromSpec(spec)).contains(t);
        int bytes = io.fabric8.kubernetes.client.utils.Serialization.asJson(spec).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        System.out.printf("spec with a 256-adapter collateral claim and an every-other-adapter/domain claim: %d bytes (%d APQNs)%n",
                bytes, reserved.size() + collateral.size() + fragmented.size());
        assertThat(bytes).isLessThan(4 * 1024);
    }
}
