package dev.apqn.apbus.sim;

import java.util.List;

/**
 * A machine profile that cannot be read or is not valid. Each problem names the field by its YAML
 * path (e.g. {@code cards[2].generation}) and says how to fix it; all problems found are reported
 * at once.
 */
public class ProfileException extends IllegalArgumentException {

    private final String source;
    private final List<String> problems;

    public ProfileException(String source, List<String> problems) {
        super(format(source, problems));
        this.source = source;
        this.problems = List.copyOf(problems);
    }

    public ProfileException(String source, String problem) {
        this(source, List.of(problem));
    }

    /** Where the profile came from: a file path or {@code classpath:profiles/<name>.yaml}. */
    public String source() {
        return source;
    }

    /** One line per problem, each starting with the YAML path of the field. */
    public List<String> problems() {
        return problems;
    }

    private static String format(String source, List<String> problems) {
        if (problems.size() == 1) {
            return "machine profile " + source + ": " + problems.get(0);
        }
        StringBuilder sb = new StringBuilder("machine profile " + source + " has " + problems.size() + " problems:");
        for (String p : problems) {
            sb.append("\n  - ").append(p);
        }
        return sb.toString();
    }
}
