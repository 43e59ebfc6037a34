package dev.apqn.apbus.sim;

import dev.apqn.ap.ApMask;
import dev.apqn.apbus.sim.MachineProfile.Card;
import dev.apqn.apbus.sim.MachineProfile.Generation;
import dev.apqn.apbus.sim.MachineProfile.Mdev;
import dev.apqn.apbus.sim.MachineProfile.Mode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Machine profile loading and validation; the bundled profiles. */
class MachineProfilesTest {

    private static final List<String> DEMO_READY = List.of("legacy", "mask-mode-apconfig", "mask-mode-foreign-mdev", "override-mode");

    private static final String GOOD = """
            kernel: ap-config
            maxAdapterId: 255
            maxDomainId: 84
            cards:
              - {id: 3, type: CEX8C}
              - {id: 4, generation: CEX8, mode: EP11}
            hostConfig:
              usageDomains: 0-15
            """;

    // ------------------------------------------------------------------ bundled profiles

    @Test
    void indexListsExactlyTheBundledYamlFiles() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("src/main/resources/profiles"))) {
            List<String> onDisk = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml"))
                    .map(n -> n.substring(0, n.length() - 5)).sorted().toList();
            assertThat(MachineProfiles.shipped()).containsExactlyInAnyOrderElementsOf(onDisk);
        }
        assertThat(MachineProfiles.shipped()).contains("legacy", "mask-mode-apconfig", "mask-mode-foreign-mdev",
                "override-mode", "stress-256");
    }

    @Test
    void everyShippedProfileLoadsFromClasspathAndFile() {
        for (String name : MachineProfiles.shipped()) {
            MachineProfile p = MachineProfiles.loadResource(name);
            assertThat(p.name()).isEqualTo(name);
            assertThat(p.description()).isNotBlank();
            assertThat(MachineProfiles.problems(p)).as(name).isEmpty();
            assertThat(MachineProfiles.load(Path.of("src/main/resources/profiles", name + ".yaml"))).isEqualTo(p);
            assertThat(p.cards()).allSatisfy(c -> {
                assertThat(c.functions() & Card.MODE_BITS).isEqualTo(c.mode().functionBit());
                assertThat(c.depth()).isEqualTo(8);
            });
        }
    }

    @Test
    void demoReadyProfilesConfigureAdapters3To6AndDomains0To15MixingGenerationsAndModes() {
        for (String name : DEMO_READY) {
            MachineProfile p = MachineProfiles.loadResource(name);
            assertThat(p.deviceAdapters().and(ApMask.fromRange(3, 6))).as(name).isEqualTo(ApMask.fromRange(3, 6));
            assertThat(p.hostConfig().usageDomains().and(ApMask.fromRange(0, 15))).as(name).isEqualTo(ApMask.fromRange(0, 15));
            assertThat(p.cards().stream().map(Card::mode).distinct()).as(name).hasSize(3);
        }
    }

    @Test
    void profilesMatchTheirKernelsAndMachines() {
        MachineProfile legacy = MachineProfiles.loadResource("legacy");
        assertThat(legacy.kernel()).isEqualTo(KernelLevel.LEGACY);
        assertThat(legacy.maxAdapterId()).isEqualTo(63);
        assertThat(legacy.maxDomainId()).isEqualTo(15);
        assertThat(legacy.apxa()).isFalse();
        assertThat(legacy.cards()).allSatisfy(c -> assertThat(c.functions() & Card.FN_APXA).isZero());
        assertThat(legacy.card(1)).isPresent();
        assertThat(legacy.deviceAdapters()).isEqualTo(ApMask.fromRange(3, 6));

        MachineProfile apconfig = MachineProfiles.loadResource("mask-mode-apconfig");
        assertThat(apconfig.kernel().atLeast(KernelLevel.AP_CONFIG)).isTrue();
        assertThat(apconfig.apxa()).isTrue();
        assertThat(apconfig.initial().apmask()).isEqualTo(ApMask.all());
        assertThat(apconfig.initial().aqmask()).isEqualTo(ApMask.all());
        assertThat(apconfig.initial().mdevs()).isEmpty();
        assertThat(apconfig.card(4).orElseThrow().typeName()).isEqualTo("CEX8C");
        assertThat(apconfig.card(4).orElseThrow().functionLetters()).isEqualTo("SMCD--N-F");

        assertThat(MachineProfiles.loadResource("override-mode").kernel()).isEqualTo(KernelLevel.DRIVER_OVERRIDE);
    }

    @Test
    void foreignMdevHoldsTwoQueuesOfAdapter6() {
        MachineProfile p = MachineProfiles.loadResource("mask-mode-foreign-mdev");
        assertThat(p.initial().vfioApLoaded()).isTrue();
        assertThat(p.initial().apmask()).isEqualTo(ApMask.all().without(6));
        assertThat(p.initial().aqmask()).isEqualTo(ApMask.all().without(10).without(11));
        assertThat(p.initial().mdevs()).singleElement().satisfies(m -> {
            assertThat(m.uuid()).isEqualTo("7a3c9e1d-2b4f-4c6a-9e8d-1f2a3b4c5d6e");
            assertThat(m.adapters()).isEqualTo(ApMask.of(6));
            assertThat(m.domains()).isEqualTo(ApMask.of(10, 11));
            assertThat(m.controlDomains()).isEqualTo(ApMask.of(10, 11));
        });
    }

    @Test
    void stressHas256CardsAnd85Domains() {
        MachineProfile p = MachineProfiles.loadResource("stress-256");
        assertThat(p.maxAdapterId()).isEqualTo(255);
        assertThat(p.maxDomainId()).isEqualTo(84);
        assertThat(p.cards()).hasSize(256);
        assertThat(p.cardIds()).isEqualTo(ApMask.all());
        assertThat(p.deviceAdapters().cardinality()).isEqualTo(256);
        assertThat(p.hostConfig().usageDomains()).isEqualTo(ApMask.fromRange(0, 84));
        assertThat(p.card(255).orElseThrow().typeName()).isEqualTo("CEX7P");
        assertThat(p.card(255).orElseThrow().functions()).isEqualTo(0x86800000);
    }

    @Test
    void resolveTakesAPathOrABundledName(@TempDir Path dir) throws IOException {
        assertThat(MachineProfiles.resolve("legacy").name()).isEqualTo("legacy");
        assertThat(MachineProfiles.resolve("legacy.yaml").name()).isEqualTo("legacy");
        assertThat(MachineProfiles.resolve("src/main/resources/profiles/mask-mode-apconfig.yaml").name())
                .isEqualTo("mask-mode-apconfig");
        assertThat(MachineProfiles.resolve("/nowhere/profiles/override-mode.yaml").name()).isEqualTo("override-mode");
        Path mine = dir.resolve("my-lpar.yaml");
        Files.writeString(mine, GOOD);
        MachineProfile p = MachineProfiles.resolve(mine.toString());
        assertThat(p.name()).isEqualTo("my-lpar");
        assertThatThrownBy(() -> MachineProfiles.resolve("no-such-profile"))
                .isInstanceOf(ProfileException.class)
                .hasMessageContaining("no bundled profile of that name")
                .hasMessageContaining("mask-mode-apconfig");
        assertThatThrownBy(() -> MachineProfiles.loadResource("nope"))
                .hasMessage("machine profile classpath:profiles/nope.yaml: no such bundled profile; bundled profiles: "
                        + String.join(", ", MachineProfiles.shipped()));
    }

    // ------------------------------------------------------------------ syntax and defaults

    @Test
    void defaultsAndFriendlySyntax() {
        MachineProfile p = parse(GOOD);
        assertThat(p.name()).isEqualTo("test");
        assertThat(p.description()).isEmpty();
        assertThat(p.hostConfig().adapters()).isEqualTo(ApMask.of(3, 4));
        assertThat(p.hostConfig().controlDomains()).isEqualTo(ApMask.fromRange(0, 15));
        assertThat(p.initial()).isEqualTo(MachineProfile.InitialState.defaults());
        assertThat(p.cards().get(0)).isEqualTo(new Card(3, Generation.CEX8, Mode.CCA, 0xf2800000, 8));
        assertThat(p.cards().get(1).functions()).isEqualTo(0x86800000);

        MachineProfile q = parse("""
                kernel: DYNAMIC
                cards:
                  - {id: 0x3f, generation: cex5, mode: accel, functions: 0x68800000, depth: 16}
                  - {ids: [1, "8-0x0a"], type: cex6p, functions: "S----X"}
                hostConfig:
                  adapters: [010, 0x3f]
                  usageDomains: "0x0e-0x0f, 3"
                  controlDomains: []
                initial:
                  apmask: 0x03
                  aqmask: "+0-3,-1"
                  vfioApLoaded: yes
                """);
        assertThat(q.maxAdapterId()).isEqualTo(63);
        assertThat(q.maxDomainId()).isEqualTo(15);
        assertThat(q.apxa()).isFalse();
        assertThat(q.cards()).extracting(Card::id).containsExactly(63, 1, 8, 9, 10);
        assertThat(q.cards().get(0)).isEqualTo(new Card(63, Generation.CEX5, Mode.ACCELERATOR, 0x68800000, 16));
        assertThat(q.cards().get(1).functions()).isEqualTo(0x84000000);
        assertThat(q.hostConfig().adapters()).isEqualTo(ApMask.of(10, 63));   // 010 is decimal, not octal
        assertThat(q.hostConfig().usageDomains()).isEqualTo(ApMask.of(3, 14, 15));
        assertThat(q.hostConfig().controlDomains()).isEqualTo(ApMask.none());
        assertThat(q.initial().apmask()).isEqualTo(ApMask.of(6, 7));          // kernel absolute: bit 0 leftmost
        assertThat(q.initial().aqmask()).isEqualTo(ApMask.all().without(1));  // relative on all ones
        assertThat(q.initial().vfioApLoaded()).isTrue();

        MachineProfile r = parse(GOOD + "initial: {apmask: \"0-2, 0x10\", aqmask: [0, \"2-3\"]}\n");
        assertThat(r.initial().apmask()).isEqualTo(ApMask.of(0, 1, 2, 16));
        assertThat(r.initial().aqmask()).isEqualTo(ApMask.of(0, 2, 3));
    }

    @Test
    void derivedFunctionsFollowModeAndApxa() {
        assertThat(Card.realisticFunctions(Mode.CCA, false)).isEqualTo(0xf0800000);
        assertThat(Card.realisticFunctions(Mode.CCA, true)).isEqualTo(0xf2800000);
        assertThat(Card.realisticFunctions(Mode.EP11, true)).isEqualTo(0x86800000);
        assertThat(Card.realisticFunctions(Mode.ACCELERATOR, true)).isEqualTo(0x6a800000);
        assertThat(new Card(5, Generation.CEX5, Mode.CCA, 0x92000000, 8).functionLetters()).isEqualTo("S--D--N--");
    }

    @Test
    void unknownFieldsAreRejectedWithASuggestion() {
        assertThat(problems(GOOD.replace("generation: CEX8", "genration: CEX8")))
                .contains("cards[1].genration: unknown field; did you mean generation? Known fields here: "
                        + "id, ids, type, generation, mode, functions, depth");
        assertThat(problems(GOOD + "colour: blue\n"))
                .containsExactly("colour: unknown field; remove it or use one of name, description, kernel, maxAdapterId, "
                        + "maxDomainId, cards, hostConfig, initial");
        assertThat(problems(GOOD.replace("usageDomains", "usagedomains")))
                .contains("hostConfig.usagedomains: unknown field; did you mean usageDomains? Known fields here: "
                        + "adapters, usageDomains, controlDomains");
    }

    @Test
    void allProblemsAreReportedTogether() {
        ProfileException e = assertThrows(ProfileException.class, () -> MachineProfiles.parse("""
                kernel: 6.10
                cards:
                  - {id: 3, type: CEX9C}
                hostConfig: {usageDomains: 0-15, colour: red}
                """, "t.yaml", "t"));
        assertThat(e.source()).isEqualTo("t.yaml");
        assertThat(e.problems()).hasSize(3);
        assertThat(e.getMessage()).startsWith("machine profile t.yaml has 3 problems:\n  - kernel: \"6.10\" is not a kernel level");
    }

    static Stream<Arguments> badProfiles() {
        String mdevHeader = GOOD + """
                initial:
                  apmask: "-3"
                  aqmask: "-10-11"
                  vfioApLoaded: true
                  mdevs:
                """;
        return Stream.of(
                Arguments.of("generation", GOOD.replace("CEX8, mode", "CEX9, mode"),
                        "cards[1].generation: \"CEX9\" is not a Crypto Express generation; use one of CEX4, CEX5, CEX6, CEX7, CEX8"),
                Arguments.of("mode", GOOD.replace("EP11", "EP12"),
                        "cards[1].mode: \"EP12\" is not a card mode; use one of CCA, accelerator, EP11"),
                Arguments.of("type", GOOD.replace("CEX8C", "CEX8X"),
                        "cards[0].type: \"CEX8X\" is not a Crypto Express card type; use CEX4..CEX8 followed by C (CCA), "
                                + "P (EP11) or A (accelerator), e.g. CEX8C"),
                Arguments.of("missing mode", GOOD.replace(", mode: EP11", ""),
                        "cards[1].mode: missing; add mode: one of CCA, accelerator, EP11 (or type: CEX8C for both)"),
                Arguments.of("kernel", GOOD.replace("ap-config", "6.10"),
                        "kernel: \"6.10\" is not a kernel level; use one of legacy, dynamic, ap-config, matrix-features, driver-override"),
                Arguments.of("no kernel", GOOD.replace("kernel: ap-config\n", ""),
                        "kernel: missing; add kernel: with one of legacy, dynamic, ap-config, matrix-features, driver-override"),
                Arguments.of("domain above max", GOOD.replace("84", "15").replace("0-15", "0-15,20"),
                        "hostConfig.usageDomains: domain 20 is above maxDomainId 15; raise maxDomainId (needs APXA, up to 255) "
                                + "or remove the domain"),
                Arguments.of("domains above max", GOOD.replace("84", "15").replace("0-15", "0-17"),
                        "hostConfig.usageDomains: domains 16-17 are above maxDomainId 15; raise maxDomainId (needs APXA, up to 255) "
                                + "or remove the domain"),
                Arguments.of("control domain above max", GOOD.replace("84", "15") + "  controlDomains: 0-15,40\n",
                        "hostConfig.controlDomains: control domain 40 is above maxDomainId 15; raise maxDomainId "
                                + "(needs APXA, up to 255) or remove the control domain"),
                Arguments.of("adapter above max", GOOD.replace("255", "63") + "  adapters: 3-4,70\n",
                        "hostConfig.adapters: adapter 70 is above maxAdapterId 63; raise maxAdapterId (needs APXA, up to 255) "
                                + "or remove the adapter"),
                Arguments.of("card above max", GOOD.replace("255", "63").replace("id: 4,", "id: 0x46,"),
                        "cards[1].id: adapter 70 is above maxAdapterId 63; raise maxAdapterId (needs APXA, up to 255) or remove the card"),
                Arguments.of("duplicate card", GOOD.replace("id: 4,", "id: 3,"),
                        "cards[1].id: adapter 3 is already defined by cards[0].id; card ids must be unique, change or remove one of them"),
                Arguments.of("duplicate card range", GOOD.replace("id: 4,", "ids: 2-5,"),
                        "cards[1].ids: adapter 3 is already defined by cards[0].id; card ids must be unique, change or remove one of them"),
                Arguments.of("max out of range", GOOD.replace("maxDomainId: 84", "maxDomainId: 300"),
                        "maxDomainId: 300 is out of range; use 15 (no APXA) or up to 255 (APXA, 84 is typical)"),
                Arguments.of("card id and ids", GOOD.replace("id: 3,", "id: 3, ids: 5,"),
                        "cards[0]: give either id or ids, not both"),
                Arguments.of("bad id list", GOOD.replace("0-15", "0-15,x"),
                        "hostConfig.usageDomains: \"0-15,x\" is not an id list: \"x\" is not a number; write ids and ranges like "
                                + "\"0-15,32\" or \"0x03-0x06\", or a YAML list like [3, 4, \"8-11\"]"),
                Arguments.of("reversed range", GOOD.replace("0-15", "15-0"),
                        "hostConfig.usageDomains: \"15-0\" is not an id list: range 15-0 starts above its end; write ids and ranges "
                                + "like \"0-15,32\" or \"0x03-0x06\", or a YAML list like [3, 4, \"8-11\"]"),
                Arguments.of("id above 255", GOOD.replace("0-15", "[0, 300]"),
                        "hostConfig.usageDomains[1]: \"300\" is not an id list: 300 is above 255, the largest AP number; write ids "
                                + "and ranges like \"0-15,32\" or \"0x03-0x06\", or a YAML list like [3, 4, \"8-11\"]"),
                Arguments.of("no usage domains", GOOD.replace("  usageDomains: 0-15\n", "  adapters: 3\n"),
                        "hostConfig.usageDomains: missing; list the usage domains this LPAR may use, e.g. usageDomains: \"0-15\""),
                Arguments.of("depth", GOOD.replace("type: CEX8C", "type: CEX8C, depth: 256"),
                        "cards[0].depth: 256 is out of range; the TAPQ queue depth field is 0..255 (default 8)"),
                Arguments.of("functions mode bit", GOOD.replace("type: CEX8C", "type: CEX8C, functions: \"S---A-N-F\""),
                        "cards[0].functions: S---A-N-F sets mode bit A but mode is CCA; set bit D (0x10000000) instead, "
                                + "or leave functions out to derive it from the mode"),
                Arguments.of("functions syntax", GOOD.replace("type: CEX8C", "type: CEX8C, functions: SQ"),
                        "cards[0].functions: \"SQ\" is not an ap_functions value; write a 32-bit hex word like 0xf2800000, lszcrypt "
                                + "letters by position like \"S--D--N--\" (S M C D A X N H F R), or leave it out to derive it from the mode"),
                Arguments.of("kernel mask syntax", GOOD + "initial: {apmask: \"+3,x\"}\n",
                        "initial.apmask: invalid mask \"+3,x\": every term must start with + or -, found 'x'; expected terms like "
                                + "+N, -N, +N-M separated by ',' or newline, numbers decimal, 0x hex or 0-prefixed octal "
                                + "(applied to the all-ones default)"),
                Arguments.of("vfio not loaded", GOOD + "initial:\n  apmask: \"-3\"\n  mdevs:\n    - {uuid: 7a3c9e1d-2b4f-4c6a-9e8d-1f2a3b4c5d6e}\n",
                        "initial.vfioApLoaded: false, but initial.mdevs lists 1 mdev; mdevs exist only while vfio_ap is loaded, "
                                + "set vfioApLoaded: true or remove the mdevs"),
                Arguments.of("mdev uuid", mdevHeader + "    - {uuid: not-a-uuid, adapters: 3, domains: 0}\n",
                        "initial.mdevs[0].uuid: \"not-a-uuid\" is not a UUID; write 8-4-4-4-12 hex digits, "
                                + "e.g. \"7a3c9e1d-2b4f-4c6a-9e8d-1f2a3b4c5d6e\""),
                Arguments.of("mdev duplicate uuid", mdevHeader
                                + "    - {uuid: 7a3c9e1d-2b4f-4c6a-9e8d-1f2a3b4c5d6e, adapters: 3, domains: 0}\n"
                                + "    - {uuid: 7A3C9E1D-2B4F-4C6A-9E8D-1F2A3B4C5D6E, adapters: 3, domains: 1}\n",
                        "initial.mdevs[1].uuid: 7a3c9e1d-2b4f-4c6a-9e8d-1f2a3b4c5d6e is already used by initial.mdevs[0]; "
                                + "the kernel refuses a second mdev with the same UUID (EEXIST), pick another UUID"),
                Arguments.of("mdev overlap", mdevHeader
                                + "    - {uuid: 7a3c9e1d-2b4f-4c6a-9e8d-1f2a3b4c5d6e, adapters: 3, domains: 0-1}\n"
                                + "    - {uuid: 11111111-2222-4333-8444-555555555555, adapters: [3], domains: 1-2}\n",
                        "initial.mdevs[1]: APQN 03.0001 is also assigned to initial.mdevs[0] (7a3c9e1d-2b4f-4c6a-9e8d-1f2a3b4c5d6e); "
                                + "the kernel forbids overlapping mdevs (EADDRINUSE), remove the shared adapters or domains from one of them"),
                Arguments.of("mdev host-owned", mdevHeader
                                + "    - {uuid: 7a3c9e1d-2b4f-4c6a-9e8d-1f2a3b4c5d6e, adapters: 4, domains: 9-11}\n",
                        "initial.mdevs[0]: APQN 04.0009 is host-owned under the initial masks (apmask and aqmask both set); "
                                + "the kernel refuses to assign host-owned queues (EADDRNOTAVAIL), clear adapter 4 in initial.apmask "
                                + "or domain 9 in initial.aqmask, or remove them from the mdev"),
                Arguments.of("mdev many host-owned", GOOD + "initial:\n  vfioApLoaded: true\n  mdevs:\n"
                                + "    - {uuid: 7a3c9e1d-2b4f-4c6a-9e8d-1f2a3b4c5d6e, adapters: 3-4, domains: 0-3}\n",
                        "initial.mdevs[0]: APQNs 03.0000, 03.0001, 03.0002, 03.0003 and 4 more are host-owned under the initial masks "
                                + "(apmask and aqmask both set); the kernel refuses to assign host-owned queues (EADDRNOTAVAIL), clear "
                                + "adapters 3-4 in initial.apmask or domains 0-3 in initial.aqmask, or remove them from the mdev"),
                Arguments.of("mdev above max", mdevHeader
                                + "    - {uuid: 7a3c9e1d-2b4f-4c6a-9e8d-1f2a3b4c5d6e, adapters: 3, domains: 10, controlDomains: 90}\n",
                        "initial.mdevs[0].controlDomains: control domain 90 is above maxDomainId 84; the kernel refuses it (ENODEV), "
                                + "raise the maximum (needs APXA, up to 255) or remove it"),
                Arguments.of("legacy mdev needs queues", mdevHeader.replace("ap-config", "legacy").replace("255", "63").replace("84", "15")
                                + "    - {uuid: 7a3c9e1d-2b4f-4c6a-9e8d-1f2a3b4c5d6e, adapters: [3, 9], domains: 10}\n",
                        "initial.mdevs[0]: kernel legacy (before 6.0) only assigns queues that exist and are bound to vfio_ap, but "
                                + "adapter 9 (no configured card) have no queue devices; assign only existing queues or use kernel dynamic or later"),
                Arguments.of("duplicate key", GOOD + "kernel: dynamic\n",
                        "kernel: given twice; keep one"),
                Arguments.of("not a mapping", "- just\n- a list\n",
                        "(top level): expected a mapping with the fields name, description, kernel, maxAdapterId, maxDomainId, cards, "
                                + "hostConfig, initial, found a list"),
                Arguments.of("no cards", GOOD.substring(0, GOOD.indexOf("cards:")) + "hostConfig: {usageDomains: 0}\n",
                        "cards: missing; list the installed crypto cards, e.g. cards: [{id: 0x03, type: CEX8C}] (or cards: [] for none)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badProfiles")
    void badProfileIsRejectedNamingTheFieldAndTheFix(String what, String yaml, String expected) {
        assertThat(problems(yaml)).containsExactly(expected);
    }

    @Test
    void yamlSyntaxErrorsGiveTheLine() {
        assertThatThrownBy(() -> MachineProfiles.parse("kernel: legacy\ncards: [1\nhostConfig: 2\n", "x.yaml", "x"))
                .isInstanceOf(ProfileException.class)
                .hasMessageStartingWith("machine profile x.yaml: line 3, column ")
                .hasMessageContaining("not valid YAML");
    }

    @Test
    void cardWithoutConfiguredAdapterIsAllowedAndGetsNoDevice() {
        MachineProfile p = parse(GOOD + "  adapters: [3, 9]\n");
        assertThat(p.cardIds()).isEqualTo(ApMask.of(3, 4));
        assertThat(p.deviceAdapters()).isEqualTo(ApMask.of(3));
    }

    @Test
    void codeBuiltProfilesAreValidatedToo() {
        MachineProfile p = new MachineProfile("x", null, KernelLevel.DYNAMIC, 63, 15,
                List.of(Card.of(3, Generation.CEX7, Mode.CCA), Card.of(3, Generation.CEX7, Mode.EP11)),
                new MachineProfile.HostConfig(ApMask.of(3), ApMask.fromRange(0, 15), ApMask.fromRange(0, 15)),
                new MachineProfile.InitialState(null, null, true, List.of(new Mdev("7a3c9e1d-2b4f-4c6a-9e8d-1f2a3b4c5d6e",
                        ApMask.of(3), ApMask.of(1), null))));
        assertThat(MachineProfiles.problems(p)).containsExactly(
                "cards[1].id: adapter 3 is already defined by cards[0].id; card ids must be unique, change or remove one of them",
                "initial.mdevs[0]: APQN 03.0001 is host-owned under the initial masks (apmask and aqmask both set); the kernel "
                        + "refuses to assign host-owned queues (EADDRNOTAVAIL), clear adapter 3 in initial.apmask or domain 1 in "
                        + "initial.aqmask, or remove them from the mdev");
        assertThatThrownBy(() -> MachineProfiles.validate(p)).isInstanceOf(ProfileException.class);
    }

    private static MachineProfile parse(String yaml) {
        return MachineProfiles.parse(yaml, "test.yaml", "test");
    }

    private static List<String> problems(String yaml) {
        try {
            MachineProfiles.parse(yaml, "test.yaml", "test");
        } catch (ProfileException e) {
            return e.problems();
        }
        throw new AssertionError("profile was accepted:\n" + yaml);
    }
}
