package dev.apqn.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.apqn.status.Conditions;
import dev.apqn.status.Reason;
import org.junit.jupiter.api.Test;

class VocabularyTest {

    @Test
    void typesAndReasonsAreCamelCase() {
        assertThat(Conditions.ALL).allMatch(t -> t.matches("[A-Z][A-Za-z0-9]*"));
        assertThat(java.util.Arrays.stream(Reason.values()).map(Enum::name)).hasSizeGreaterThan(30).allMatch(r -> r.matches("[A-Z][A-Za-z0-9]*"));
    }

    @Test
    void setKeepsTransitionTimeUnlessStatusFlips() {
        var c1 = Conditions.set(null, Conditions.READY, false, Reason.Applying, "m", 1L, "2026-01-01T00:00:00Z");
        var c2 = Conditions.set(c1, Conditions.READY, false, Reason.Draining, "m2", 2L, "2026-01-02T00:00:00Z");
        assertThat(c2).singleElement().satisfies(c -> {
            assertThat(c.getLastTransitionTime()).isEqualTo("2026-01-01T00:00:00Z");
            assertThat(c.getReason()).isEqualTo(Reason.Draining.name());
            assertThat(c.getObservedGeneration()).isEqualTo(2L);
        });
        var c3 = Conditions.set(c2, Conditions.READY, true, Reason.Ready, "", 2L, "2026-01-03T00:00:00Z");
        assertThat(Conditions.find(c3, Conditions.READY).orElseThrow().getLastTransitionTime()).isEqualTo("2026-01-03T00:00:00Z");
        assertThat(Conditions.isTrue(c3, Conditions.READY)).isTrue();
        assertThatThrownBy(() -> Conditions.set(c3, "Progressing", true, Reason.Ready, "", 1L, "t"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
