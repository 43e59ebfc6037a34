package dev.apqn.ap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The kernel's apmask/aqmask read format and both write grammars (ap-bus.md §1.2, §2.1). */
class ApMaskTest {

    private static final String ALL_ONES = "0x" + "f".repeat(64);

    @Test
    void readFormatIsZeroXPlus64LowerCaseHexDigitsAndNewline() {
        assertThat(ApMask.all().toSysfs()).isEqualTo(ALL_ONES + "\n");
        assertThat(ApMask.none().toSysfs()).isEqualTo("0x" + "0".repeat(64) + "\n");
        assertThat(ApMask.of(0).toHex()).isEqualTo("0x8" + "0".repeat(63));
        assertThat(ApMask.of(5).toHex()).isEqualTo("0x04" + "0".repeat(62));
        assertThat(ApMask.of(255).toHex()).isEqualTo("0x" + "0".repeat(63) + "1");
        assertThat(ApMask.of(10, 11).toHex()).isEqualTo("0x0030" + "0".repeat(60));
    }

    @Test
    void kernelCommentExampleRelativeList() {
        // from the kernel comment: +0-15,+32,-128,-0xFF applied to an all-zero mask
        ApMask m = ApMask.parseWrite("+0-15,+32,-128,-0xFF", ApMask.none());
        assertThat(m.idList()).containsExactlyElementsOf(range(0, 15, 32));
        assertThat(m.toHex()).isEqualTo("0xffff000080" + "0".repeat(54));
    }

    @Test
    void relativeTermsApplyToTheCurrentMaskLastOneWins() {
        ApMask m = ApMask.parseWrite("+0-255,-128", ApMask.none());
        assertThat(m.cardinality()).isEqualTo(255);
        assertThat(m.get(128)).isFalse();
        assertThat(ApMask.parseWrite("-0-255", ApMask.all()).isEmpty()).isTrue();
        assertThat(ApMask.parseWrite("-3", ApMask.all()).get(3)).isFalse();
        assertThat(ApMask.parseWrite("-3", ApMask.all()).cardinality()).isEqualTo(255);
    }

    @ParameterizedTest(name = "relative {0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "+1+2|1,2",             // separators are optional
            "+010|8",               // leading 0 = octal
            "+0x10|16",             // 0x hex
            "+0X10|16",             // simple_strtoul accepts 0X in relative terms
            "'+1,,,+2'|1,2",        // repeated separators
            "'+1\n+2\n'|1,2",       // newline separators
            "+0-0|0",
            "+255|255",
            "+18446744073709551621|5", // unsigned long wraps in simple_strtoul: 2^64 + 5
    })
    void relativeGrammarQuirks(String input, String ids) {
        ApMask m = ApMask.parseWrite(input, ApMask.none());
        assertThat(m.toRangeList()).isEqualTo(ids.replace("1,2", "1-2"));
    }

    @ParameterizedTest(name = "relative {0} is EINVAL")
    @CsvSource(delimiter = '|', value = {
            "+256", "+5-3", "+,", "+", "-", "'+1 +2'", "+1;+2", "'+ 1'", "+0xg", "+-5", "+1-", "+1-256", "'+1,2'", "'+1,,,2'",
    })
    void relativeGrammarRejections(String input) {
        assertThatThrownBy(() -> ApMask.parseWrite(input, ApMask.none()))
                .isInstanceOfSatisfying(ApSyntaxException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL))
                .hasMessageContaining("invalid mask");
    }

    @ParameterizedTest(name = "absolute {0}")
    @CsvSource(delimiter = '|', value = {
            "0x8|0",
            "x8|0",
            "8|0",
            "0xff|0-7",
            "0xFF|0-7",
            "'0x04\n'|5",
            "''|",
            "'\n'|",
            "0x|",
            "00000000000000000000000000000000000000000000000000000000000000001|",
    })
    void absoluteGrammar(String input, String ids) {
        String expected = ids == null ? "" : ids;
        if (input.length() == 65) {
            // 65 digits: the 65th is a hex digit after the 64 consumed -> EINVAL
            assertThatThrownBy(() -> ApMask.parseWrite(input, ApMask.all()))
                    .hasMessageContaining("more than 64 hex digits");
            return;
        }
        assertThat(ApMask.parseWrite(input, ApMask.all()).toRangeList()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "absolute {0} is EINVAL")
    @CsvSource(delimiter = '|', value = {
            "0X5", "'0x5\n\n'", "'0x5 '", "' 0x5'", "0xg", "0xx5", "0x5,", "'0x5\r\n'", "'2,3'",
    })
    void absoluteGrammarRejections(String input) {
        assertThatThrownBy(() -> ApMask.parseWrite(input, ApMask.none()))
                .isInstanceOfSatisfying(ApSyntaxException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
    }

    @Test
    void capitalXPrefixIsRejectedWithTheOffendingCharacterNamed() {
        assertThatThrownBy(() -> ApMask.parseWrite("0X5", ApMask.none()))
                .hasMessageContaining("unexpected character 'X' at position 1")
                .hasMessageContaining("expected 0x followed by up to 64 hex digits");
    }

    @Test
    void sixtyFourDigitsRoundTrip() {
        ApMask m = ApMask.of(3, 4, 5, 6, 200);
        assertThat(ApMask.parseSysfs(m.toSysfs())).isEqualTo(m);
        assertThat(ApMask.parseWrite(m.toHex(), ApMask.all())).isEqualTo(m);
    }

    @Test
    void setOperations() {
        ApMask a = ApMask.fromRange(3, 6);
        ApMask b = ApMask.of(5, 9);
        assertThat(a.and(b).idList()).containsExactly(5);
        assertThat(a.or(b).toRangeList()).isEqualTo("3-6,9");
        assertThat(a.andNot(b).toRangeList()).isEqualTo("3-4,6");
        assertThat(a.intersects(b)).isTrue();
        assertThat(a.with(7).without(3).toRangeList()).isEqualTo("4-7");
        assertThat(ApMask.all().isFull()).isTrue();
    }

    @Test
    void idsOutsideZeroTo255AreRejected() {
        assertThatThrownBy(() -> ApMask.of(256)).hasMessageContaining("0..255");
        assertThatThrownBy(() -> ApMask.of(-1)).hasMessageContaining("0..255");
    }

    private static java.util.List<Integer> range(int from, int to, int... extra) {
        java.util.List<Integer> out = new java.util.ArrayList<>();
        for (int i = from; i <= to; i++) {
            out.add(i);
        }
        for (int e : extra) {
            out.add(e);
        }
        return out;
    }
}
