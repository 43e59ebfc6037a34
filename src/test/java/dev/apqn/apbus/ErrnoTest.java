package dev.apqn.apbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.apqn.ap.Errno;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ErrnoTest {

    @ParameterizedTest
    @EnumSource(Errno.class)
    void numberNameAndTextIdentifyTheSameErrno(Errno errno) {
        assertThat(Errno.ofNumber(errno.number())).contains(errno);
        assertThat(Errno.valueOf(errno.name())).isEqualTo(errno);
        // How Java words a failed write, and a failed open.
        assertThat(Errno.ofStrerror(errno.strerror())).contains(errno);
        assertThat(Errno.ofStrerror("/sys/bus/ap/apmask (" + errno.strerror() + ")")).contains(errno);
    }

    @ParameterizedTest
    @EnumSource(Errno.class)
    void theLocalLibcAgreesOnNumberAndText(Errno errno) {
        Libc libc = Libc.instance().orElse(null);
        assumeTrue(libc != null, "JNA cannot load libc here");
        assumeTrue("No such file or directory".equals(libc.strerror(2)), "libc messages are not in English here");
        assertThat(libc.strerror(errno.number())).isEqualTo(errno.strerror());
    }

    @ParameterizedTest
    @EnumSource(Errno.class)
    void everyErrnoHasASentenceForAnAdmin(Errno errno) {
        assertThat(ErrnoExplanations.explain(errno, "/sys/bus/ap/apmask")).isNotBlank();
        assertThat(ErrnoExplanations.explain(errno, "/sys/devices/vfio_ap/matrix/u/assign_adapter")).isNotBlank();
    }

    @Test
    void numbersAndTextsAreUnique() {
        assertThat(Arrays.stream(Errno.values()).map(Errno::number)).doesNotHaveDuplicates();
        assertThat(Arrays.stream(Errno.values()).map(Errno::strerror)).doesNotHaveDuplicates();
    }

    @Test
    void unknownOrTranslatedTextIsNotGuessed() {
        assertThat(Errno.ofStrerror(null)).isEmpty();
        assertThat(Errno.ofStrerror("Gerät oder Ressource belegt")).isEmpty();
        assertThat(Errno.ofStrerror("No space left on device")).isEmpty();
        assertThat(Errno.ofNumber(28)).isEmpty();
    }

    @Test
    void theAttributeDecidesWhatAnErrnoMeans() {
        assertThat(ErrnoExplanations.explain(Errno.EBUSY, "/sys/bus/ap/apmask")).contains("unassign them from the mdev");
        assertThat(ErrnoExplanations.explain(Errno.EBUSY, "/sys/devices/vfio_ap/matrix/u/assign_domain")).contains("stop the guest");
    }
}
