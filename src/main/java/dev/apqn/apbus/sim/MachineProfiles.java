package dev.apqn.apbus.sim;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import dev.apqn.ap.ApMask;
import dev.apqn.apbus.sim.MachineProfile.Card;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Loads {@link MachineProfile}s from YAML and validates them. Every problem names the field by its
 * YAML path and says how to fix it; all problems are reported together in one
 * {@link ProfileException}.
 *
 * <h2>Format</h2>
 * <pre>
 * name: mask-mode-apconfig          # optional, default: the file name without .yaml
 * description: z16 LPAR ...         # optional
 * kernel: ap-config                 # legacy | dynamic | ap-config | matrix-features | driver-override
 * maxAdapterId: 255                 # optional, default 63 (no APXA); up to 255 with APXA
 * maxDomainId: 84                   # optional, default 15 (no APXA); up to 255 with APXA
 * cards:                            # installed crypto cards
 *   - {id: 0x03, type: CEX8C}       # type = generation + C (CCA) | P (EP11) | A (accelerator)
 *   - {id: 0x04, generation: CEX8, mode: EP11, functions: "S----XN-F", depth: 8}
 *   - {ids: "0x10-0x1f", type: CEX7A}   # several identical cards
 * hostConfig:                       # what QCI gives this LPAR
 *   adapters: 0x03-0x06             # optional, default: the ids of all cards
 *   usageDomains: 0-15              # required
 *   controlDomains: 0-15            # optional, default: the usage domains
 * initial:                          # optional
 *   apmask: "-6"                    # optional, default all ones (kernel default)
 *   aqmask: [10, 11]
 *   vfioApLoaded: true              # default false
 *   mdevs:
 *     - {uuid: 7a3c..., adapters: [6], domains: "10-11", controlDomains: "10-11"}
 * </pre>
 *
 * <p><b>Id sets</b> (card {@code ids}, hostConfig, mdev fields): a number, a string of ids and
 * inclusive ranges separated by commas, e.g. {@code "0-15,32"}, {@code 0x03-0x06}, or a YAML list
 * of such items, e.g. {@code [3, 4, "8-11"]}. Numbers are decimal unless written {@code 0x..}; a
 * leading 0 is decimal, not octal. {@code []} or {@code ""} is the empty set.
 *
 * <p><b>Initial masks</b> ({@code initial.apmask}, {@code initial.aqmask}): absent = all ones; a
 * string starting with {@code +} or {@code -} is the kernel's relative syntax applied to the
 * all-ones default (as if echoed into {@code /sys/bus/ap/apmask} after boot, e.g. {@code "-6"} or
 * {@code "-0x0a-0x0b"}); {@code 0x} followed by hex digits only is the kernel's absolute mask (bit
 * 0 = leftmost, so {@code 0x03} means bits 6 and 7); anything else is an id set giving the bits
 * that are set.
 *
 * <p><b>Cards</b>: {@code functions} absent or 0 = a realistic {@code ap_functions} word for the mode
 * ({@link Card#realisticFunctions}); else a 32-bit word ({@code 0xf2800000}) or lszcrypt letters by
 * position ({@code "S--D--N--"}, letters S M C D A X N H F R), whose mode bit must match the mode.
 * {@code depth} defaults to 8. A card whose adapter is not in {@code hostConfig.adapters} is
 * allowed: it is installed but configured to another LPAR, so it gets no device.
 *
 * <h2>Structure</h2>
 * This class is the entry point; the work is done by {@link ProfileYaml} (YAML → node tree),
 * {@link ProfileInterpreter} with {@link ProfileFields} and {@link ProfileCards} (nodes → records,
 * field by field), {@link ProfileIdSets} (the number and id-list syntax) and
 * {@link ProfileValidator} (the cross-field rules).
 */
public final class MachineProfiles {

    /** Classpath folder of the bundled profiles. */
    public static final String RESOURCE_DIR = "profiles/";
    private static final String INDEX = RESOURCE_DIR + "index.txt";

    private MachineProfiles() {
    }

    // ------------------------------------------------------------------------------------ entry points

    /** Reads and validates a profile file; the default name is the file name without {@code .yaml}. */
    public static MachineProfile load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ProfileException(file.toString(), "no such file; give a profile file or one of the bundled profiles: "
                    + String.join(", ", shipped()));
        } catch (IOException e) {
            throw new ProfileException(file.toString(), "cannot read: " + e.getMessage());
        }
        return parse(text, file.toString(), stem(file.getFileName().toString()));
    }

    /** Reads and validates the bundled profile {@code profiles/<name>.yaml} ({@code name} may end in {@code .yaml}). */
    public static MachineProfile loadResource(String name) {
        String stem = stem(name.startsWith(RESOURCE_DIR) ? name.substring(RESOURCE_DIR.length()) : name);
        String resource = RESOURCE_DIR + stem + ".yaml";
        String text = readResource(resource);
        if (text == null) {
            throw new ProfileException("classpath:" + resource, "no such bundled profile; bundled profiles: "
                    + String.join(", ", shipped()));
        }
        return parse(text, "classpath:" + resource, stem);
    }

    /**
     * For command lines (the tour's {@code --profile}): an existing file path, else a bundled profile
     * name such as {@code legacy} (a missing path whose file name is a bundled profile, e.g. the
     * Makefile's default {@code src/main/resources/profiles/mask-mode-apconfig.yaml} run from
     * another directory, also loads the bundled one).
     */
    public static MachineProfile resolve(String pathOrName) {
        Path path = Path.of(pathOrName);
        if (Files.isRegularFile(path)) {
            return load(path);
        }
        String stem = stem(path.getFileName() == null ? pathOrName : path.getFileName().toString());
        if (shipped().contains(stem)) {
            return loadResource(stem);
        }
        throw new ProfileException(pathOrName, "no such file and no bundled profile of that name; give a profile file or one of: "
                + String.join(", ", shipped()));
    }

    /** Names of the bundled profiles (load with {@link #loadResource}). */
    public static List<String> shipped() {
        String index = readResource(INDEX);
        if (index == null) {
            throw new IllegalStateException("classpath resource " + INDEX + " is missing");
        }
        return index.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    }

    /** Parses and validates YAML text. {@code source} is used in messages; {@code defaultName} when the YAML has no name. */
    public static MachineProfile parse(String yaml, String source, String defaultName) {
        ProfileYaml r = new ProfileYaml();
        ProfileYaml.Node root;
        try {
            root = r.read(yaml);
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            String where = loc == null ? "" : "line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ": ";
            throw new ProfileException(source, where + "not valid YAML: " + e.getOriginalMessage().lines().findFirst().orElse("")
                    + "; check indentation, colons and brackets near that line");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!r.problems.isEmpty()) {
            throw new ProfileException(source, r.problems);
        }
        ProfileInterpreter in = new ProfileInterpreter(defaultName);
        MachineProfile profile = in.profile(root);
        List<String> problems = new ArrayList<>(in.problems);
        if (profile != null && problems.isEmpty()) {
            problems.addAll(ProfileValidator.problems(profile, in::cardPath, in.defaulted));
        }
        if (!problems.isEmpty()) {
            throw new ProfileException(source, problems);
        }
        return profile;
    }

    /**
     * The cross-field rules, for profiles built in code (cards are named {@code cards[i]} by their
     * index in {@link MachineProfile#cards()}). Empty when the profile is valid.
     */
    public static List<String> problems(MachineProfile p) {
        return ProfileValidator.problems(p, i -> "cards[" + i + "].id", Set.of());
    }

    /** Throws {@link ProfileException} when {@link #problems(MachineProfile)} finds any. */
    public static MachineProfile validate(MachineProfile p) {
        List<String> problems = problems(p);
        if (!problems.isEmpty()) {
            throw new ProfileException(p.name(), problems);
        }
        return p;
    }

    // ------------------------------------------------------------------------------------ id syntax

    /**
     * Parses the profile id-list syntax: ids and inclusive ranges separated by commas, each number
     * decimal or {@code 0x} hex (a leading 0 is decimal), e.g. {@code "0-15,32"} or {@code "0x03-0x06"};
     * blank = empty. Throws {@link IllegalArgumentException} saying what is wrong.
     */
    public static ApMask parseIds(String text) {
        return ProfileIdSets.parseIds(text);
    }

    // ------------------------------------------------------------------------------------ misc

    private static String readResource(String resource) {
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        InputStream in = cl == null ? null : cl.getResourceAsStream(resource);
        if (in == null) {
            in = MachineProfiles.class.getClassLoader().getResourceAsStream(resource);
        }
        if (in == null) {
            return null;
        }
        try (InputStream s = in) {
            return new String(s.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String stem(String fileName) {
        return fileName.endsWith(".yaml") ? fileName.substring(0, fileName.length() - 5)
                : fileName.endsWith(".yml") ? fileName.substring(0, fileName.length() - 4) : fileName;
    }
}
