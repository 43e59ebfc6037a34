package dev.apqn.ap;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** kstrtoul(base 0) as the vfio_ap assign_* and remove handlers parse numbers (ap-bus.md §1.8). */
class KernelNumbersTest {

    @ParameterizedTest(name = "kstrtoul {0} = {1}")
    @CsvSource(delimiter = '|', value = {
            "5|5", "'5\n'|5", "010|8", "0x47|71", "0X47|71", "+7|7", "0|0", "255|255", "256|256",
            "18446744073709551615|" + Long.MAX_VALUE,
    })
    void accepts(String input, long expected) {
        assertThat(KernelNumbers.kstrtoul(input)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "kstrtoul {0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "''|EINVAL", "'\n'|EINVAL", "' 5'|EINVAL", "'5 '|EINVAL", "'5\n\n'|EINVAL", "-1|EINVAL", "0x|EINVAL",
            "08|EINVAL", "5,6|EINVAL", "0xg|EINVAL", "++5|EINVAL", "18446744073709551616|ERANGE",
    })
    void rejects(String input, Errno errno) {
        assertThatThrownBy(() -> KernelNumbers.kstrtoul(input))
                .isInstanceOfSatisfying(ApSyntaxException.class, e -> assertThat(e.errno()).isEqualTo(errno));
    }
}
