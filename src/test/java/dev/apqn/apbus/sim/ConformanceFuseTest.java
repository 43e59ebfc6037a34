package dev.apqn.apbus.sim;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

/**
 * Every row of the ap-bus.md conformance tables (the same {@link ConformanceCase} lists as the
 * in-memory tests), run through a FUSE mount of the simulated kernel with the agent's production
 * backend: real open/read/write/readlink/readdir calls, errnos as the writer's write() gets them.
 */
class ConformanceFuseTest {

    private static SimKernelMount mount;

    @BeforeAll
    static void mount() {
        mount = SimKernelMount.open();
    }

    @AfterAll
    static void unmount() throws Exception {
        if (mount != null) {
            mount.close();
        }
    }

    static Stream<Arguments> rows() {
        return Stream.of(ConformanceBusAttributesTest.cases(), ConformanceMdevAttributesTest.cases(),
                        ConformanceGrammarTest.cases(), ConformanceInvariantsTest.cases(), ConformanceDeviceFilesTest.cases())
                .flatMap(List::stream)
                .collect(java.util.stream.Collectors.collectingAndThen(java.util.stream.Collectors.toList(), ConformanceCase::expand));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void conformsThroughFuse(ConformanceCase c, KernelLevel level) throws Exception {
        c.runOn(level, mount.access());
    }
}
