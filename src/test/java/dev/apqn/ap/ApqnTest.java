package dev.apqn.ap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ApqnTest {

    @Test
    void canonicalTextIsTheQueueDeviceName() {
        assertThat(Apqn.of(5, 4)).hasToString("05.0004");
        assertThat(Apqn.of(255, 171)).hasToString("ff.00ab");
        assertThat(Apqn.parse("05.0004")).isEqualTo(Apqn.of(5, 4));
        assertThat(Apqn.parse("ff.00ab")).isEqualTo(Apqn.of(255, 171));
        assertThat(Apqn.of(5, 4).cardName()).isEqualTo("card05");
    }

    @ParameterizedTest
    @ValueSource(strings = {"5.4", "05.4", "05.04", "5.0004", "05.0004\n", "05,0004", "05.00AB", "0x05.0004", " 05.0004", "05.0004 ", ""})
    void nonCanonicalFormsAreRejectedShowingTheExpectedForm(String text) {
        assertThatThrownBy(() -> Apqn.parse(text))
                .isInstanceOf(ApSyntaxException.class)
                .hasMessageContaining("expected <adapter>.<domain> as lower-case hex %02x.%04x, e.g. \"05.0004\"");
    }

    @Test
    void domainsAbove255AreRejected() {
        assertThatThrownBy(() -> Apqn.parse("05.0100")).hasMessageContaining("above 0x00ff");
        assertThatThrownBy(() -> Apqn.of(256, 0)).hasMessageContaining("adapter 256 is out of range");
    }

    @Test
    void ordersAdapterMajor() {
        assertThat(java.util.stream.Stream.of(Apqn.of(6, 1), Apqn.of(5, 9), Apqn.of(5, 2)).sorted().toList())
                .containsExactly(Apqn.of(5, 2), Apqn.of(5, 9), Apqn.of(6, 1));
    }
}
