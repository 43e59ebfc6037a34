package dev.apqn.app;

import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Writes docs/operator.md's configuration table from {@link ApqnConfig} ({@code make generate}):
 * every key with its environment variable, its default ({@link WithDefault}) and its meaning
 * ({@link ConfigDoc}), between the {@link #BEGIN} and {@link #END} markers. {@link ConfigDocDriftTest}
 * renders the same table and compares it with the committed one.
 */
public final class ConfigDocGenerator {

    public static final Path DOC = Path.of("docs/operator.md");
    public static final String FIX = "make generate";
    static final String BEGIN = "<!-- BEGIN GENERATED configuration: `" + FIX
            + "` renders it from dev.apqn.app.ApqnConfig; do not edit -->";
    static final String END = "<!-- END GENERATED configuration -->";

    /**
     * One key of the mapping.
     *
     * @param name         the property ({@code apqn.agent.ledger-dir})
     * @param defaultValue its default as written in the declaration, empty for none
     * @param values       an enum's accepted values, as written in a property; empty otherwise
     * @param meaning      its {@link ConfigDoc}
     */
    record Key(String name, Optional<String> defaultValue, List<String> values, String meaning) {

        /** The environment variable SmallRye reads it from: upper case, anything else than letters and digits {@code _}. */
        String env() {
            return name.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT);
        }
    }

    private ConfigDocGenerator() {
    }

    public static void main(String[] args) {
        Path doc = args.length > 0 ? Path.of(args[0]) : DOC;
        try {
            Files.writeString(doc, splice(Files.readString(doc), table()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        System.out.println("generated the configuration table in " + doc + " (" + keys().size() + " keys)");
    }

    /** Every key of {@link ApqnConfig}: a level's own keys first, then its groups, each by name. */
    static List<Key> keys() {
        var out = new ArrayList<Key>();
        walk(ApqnConfig.class, "apqn", out);
        return out;
    }

    private static void walk(Class<?> type, String prefix, List<Key> out) {
        List<Method> methods = Arrays.stream(type.getMethods())
                .filter(m -> !m.isDefault() && !Modifier.isStatic(m.getModifiers()))
                .sorted(Comparator.comparing(ConfigDocGenerator::propertyName))
                .toList();
        for (Method m : methods) {
            if (!isGroup(m)) {
                out.add(key(m, prefix + "." + propertyName(m)));
            }
        }
        for (Method m : methods) {
            if (isGroup(m)) {
                walk(m.getReturnType(), prefix + "." + propertyName(m), out);
            }
        }
    }

    /** A nested group of keys (an interface of the mapping), not a value. */
    private static boolean isGroup(Method m) {
        return m.getReturnType().isInterface() && m.getReturnType().getEnclosingClass() == ApqnConfig.class;
    }

    private static Key key(Method m, String name) {
        ConfigDoc doc = m.getAnnotation(ConfigDoc.class);
        if (doc == null) {
            throw new IllegalStateException(name + " (" + m + ") has no @ConfigDoc: every key says what it means");
        }
        WithDefault d = m.getAnnotation(WithDefault.class);
        Class<?> type = m.getReturnType();
        List<String> values = type.isEnum() ? Arrays.stream(type.getEnumConstants())
                .map(c -> ((Enum<?>) c).name().toLowerCase(Locale.ROOT).replace('_', '-')).toList() : List.of();
        return new Key(name, Optional.ofNullable(d).map(WithDefault::value), values, doc.value());
    }

    /** SmallRye's default naming: the method's name in kebab case, unless {@link WithName} says otherwise. */
    private static String propertyName(Method m) {
        WithName n = m.getAnnotation(WithName.class);
        return n != null ? n.value() : m.getName().replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    /** The Markdown table, markers excluded. */
    static String table() {
        var sb = new StringBuilder("| property | environment | default | meaning |\n|---|---|---|---|\n");
        for (Key k : keys()) {
            String values = k.values().isEmpty() ? "" : "; one of " + k.values().stream().map(v -> "`" + v + "`")
                    .collect(Collectors.joining(", "));
            sb.append("| `").append(k.name()).append("` | `").append(k.env()).append("` | ")
                    .append(k.defaultValue().map(v -> "`" + v + "`").orElse("–")).append(" | ")
                    .append(k.meaning()).append(values).append(" |\n");
        }
        return sb.toString();
    }

    /** {@code doc} with the part between the markers replaced by {@code table}. */
    static String splice(String doc, String table) {
        int begin = doc.indexOf(BEGIN);
        int end = doc.indexOf(END);
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException("no configuration table markers in the document: expected the lines\n"
                    + BEGIN + "\n" + END);
        }
        return doc.substring(0, begin + BEGIN.length()) + "\n" + table + doc.substring(end);
    }

    /** The committed table: what lies between the markers. */
    static String committedTable(String doc) {
        int begin = doc.indexOf(BEGIN);
        int end = doc.indexOf(END);
        if (begin < 0 || end < begin) {
            return null;
        }
        return doc.substring(begin + BEGIN.length() + 1, end);
    }
}
