package dev.apqn.apbus.sim;

import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.provider.Arguments;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * One row of a conformance table: the ap-bus.md section and row it checks, a title, the kernel
 * levels it runs on, and the body, which boots nothing itself: it gets a freshly booted node of
 * the in-test profile for each level.
 */
record ConformanceCase(String section, String row, String title, Set<KernelLevel> levels, Body body) {

    @FunctionalInterface
    interface Body {
        void run(ConformanceNode n) throws Exception;
    }

    static final Set<KernelLevel> ALL = EnumSet.allOf(KernelLevel.class);
    static final Set<KernelLevel> LEGACY = EnumSet.of(KernelLevel.LEGACY);
    static final Set<KernelLevel> DYNAMIC_UP = EnumSet.range(KernelLevel.DYNAMIC, KernelLevel.DRIVER_OVERRIDE);
    static final Set<KernelLevel> AP_CONFIG_UP = EnumSet.range(KernelLevel.AP_CONFIG, KernelLevel.DRIVER_OVERRIDE);

    static ConformanceCase of(String section, String row, String title, Set<KernelLevel> levels, Body body) {
        return new ConformanceCase(section, row, title, levels, body);
    }

    ConformanceRows.Row docRow() {
        return new ConformanceRows.Row(section, row);
    }

    /** One JUnit argument set per (case, level), named "§1.2 apmask: title [LEVEL]". */
    static Stream<Arguments> expand(List<ConformanceCase> cases) {
        return cases.stream().flatMap(c -> c.levels().stream().sorted().map(level ->
                Arguments.of(Named.of(c.section() + " " + c.row() + ": " + c.title() + " [" + level.yamlName() + "]", c), level)));
    }

    void runOn(KernelLevel level) throws Exception {
        runOn(level, ConformanceNode.Access.IN_MEMORY);
    }

    /** Runs the row on a fresh node of {@code level}, reached through {@code access}. */
    void runOn(KernelLevel level, ConformanceNode.Access access) throws Exception {
        body.run(ConformanceNode.boot(level, access));
    }
}
