package dev.apqn.apbus.sim;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.stream.Stream;

/**
 * A shorter seeded randomized run ({@link RandomizedOperationTest.Run}, same operations, oracles and
 * invariant checks) on every kernel level's in-test profile, through a FUSE mount of the simulated
 * kernel with the agent's production backend. Replay: {@code -Dapqn.random.seed=<seed>}; length:
 * {@code -Dapqn.random.fuseSteps=<n>}.
 */
class RandomizedOperationFuseTest {

    static final int STEPS = Integer.getInteger("apqn.random.fuseSteps", 100);
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

    static Stream<Arguments> machines() {
        return Arrays.stream(KernelLevel.values()).map(level -> Arguments.of(
                Named.of("in-test " + level.yamlName() + " through FUSE", ConformanceNode.profile(level)),
                RandomizedOperationTest.BASE_SEED + level.ordinal()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("machines")
    void invariantsHoldAfterEveryRandomStepThroughFuse(MachineProfile profile, long seed) {
        new RandomizedOperationTest.Run(profile, seed, mount::serve).run(STEPS);
    }
}
