package dev.apqn.apbus.sim;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns profile YAML into a tree of raw {@link Node}s. Scalars keep their spelling rather than being
 * typed by the YAML library, so that {@code 0x0a} stays hex and {@code 010} stays decimal (the profile
 * syntax, not YAML 1.1, decides what a number is).
 */
final class ProfileYaml {

    /** A YAML value with its raw scalar text. */
    sealed interface Node permits Scalar, MapNode, SeqNode {
    }

    /** {@code text} is null for YAML null ({@code ~} or nothing). */
    record Scalar(String text) implements Node {
    }

    record MapNode(Map<String, Node> fields) implements Node {
    }

    record SeqNode(List<Node> items) implements Node {
    }

    /** Keys given twice in one mapping (the YAML library would silently keep the last one). */
    final List<String> problems = new ArrayList<>();
    private JsonParser parser;

    /** The root node ({@code Scalar(null)} for an empty document); duplicate keys go to {@link #problems}. */
    Node read(String yaml) throws IOException {
        try (JsonParser p = new YAMLFactory().createParser(yaml)) {
            parser = p;
            JsonToken t = p.nextToken();
            return t == null ? new Scalar(null) : value(t, "");
        }
    }

    private Node value(JsonToken t, String path) throws IOException {
        switch (t) {
            case START_OBJECT -> {
                Map<String, Node> fields = new LinkedHashMap<>();
                JsonToken n;
                while ((n = parser.nextToken()) == JsonToken.FIELD_NAME) {
                    String name = parser.currentName();
                    String child = ProfileText.join(path, name);
                    Node v = value(parser.nextToken(), child);
                    if (fields.putIfAbsent(name, v) != null) {
                        problems.add(child + ": given twice; keep one");
                    }
                }
                return new MapNode(fields);
            }
            case START_ARRAY -> {
                List<Node> items = new ArrayList<>();
                JsonToken n;
                while ((n = parser.nextToken()) != JsonToken.END_ARRAY) {
                    items.add(value(n, path + "[" + items.size() + "]"));
                }
                return new SeqNode(items);
            }
            case VALUE_NULL -> {
                return new Scalar(null);
            }
            default -> {
                return new Scalar(parser.getText());
            }
        }
    }

    /** Absent, {@code ~} or an empty value: the field takes its default. */
    static boolean isAbsent(Node n) {
        return n == null || n instanceof Scalar s && s.text() == null;
    }

    /** What was found, for "expected X, found Y" messages. */
    static String describe(Node n) {
        if (n instanceof MapNode) {
            return "a mapping";
        }
        if (n instanceof SeqNode) {
            return "a list";
        }
        return n == null || ((Scalar) n).text() == null ? "nothing" : ProfileText.quote(((Scalar) n).text());
    }
}
