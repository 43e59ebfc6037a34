package dev.apqn.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every field path a user-facing text names ("spec.hostKeep", "status.plan.hash") exists in the
 * CRDs: messages, conditions, events and schema rules are read by people who then look for that field.
 * Scans the string literals of src/main/java and checks each {@code spec.x.y} / {@code status.x.y}
 * against the openAPIV3Schema of crds/.
 */
class MessageFieldAuditTest {

  private static final Pattern STRING_LITERAL = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"");
  /**
   * Fields of Kubernetes' own kinds that the DRA code names: a ResourceSlice's {@code spec.driver} (a
   * field selector) and a ResourceClaim's {@code status.reservedFor} (in the consumer's description).
   */
  private static final Set<String> OTHER_KINDS = Set.of("spec.driver", "status.reservedFor");
  private static final Pattern FIELD_PATH = Pattern.compile("(?<![\\w.])((?:spec|status)(?:\\.[a-z][A-Za-z0-9]*)+)");

  @Test
  void everyFieldPathNamedInAMessageExistsInTheCrds() throws IOException {
    List<JsonNode> schemas = new ArrayList<>();
    var yaml = new ObjectMapper(new YAMLFactory());
    try (Stream<Path> crds = Files.list(Path.of("crds"))) {
      for (Path crd : crds.toList()) {
        schemas.add(yaml.readTree(crd.toFile()).at("/spec/versions/0/schema/openAPIV3Schema"));
      }
    }
    var named = new TreeSet<String>();
    var missing = new TreeSet<String>();
    try (Stream<Path> sources = Files.walk(Path.of("src/main/java"))) {
      for (Path source : sources.filter(p -> p.toString().endsWith(".java")).toList()) {
        for (String literal : literals(Files.readString(source))) {
          Matcher m = FIELD_PATH.matcher(literal);
          while (m.find()) {
            String path = m.group(1);
            named.add(path);
            if (!OTHER_KINDS.contains(path) && schemas.stream().noneMatch(s -> exists(s, path))) {
              missing.add(path + " (" + source.getFileName() + ")");
            }
          }
        }
      }
    }
    assertThat(named).as("the scan finds the messages' field paths").contains("spec.nodeName", "spec.approvedPlan");
    assertThat(missing).as("field paths named in messages but absent from every CRD schema").isEmpty();
  }

  private static List<String> literals(String java) {
    var out = new ArrayList<String>();
    Matcher m = STRING_LITERAL.matcher(java);
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  /** Walks properties (and array items) of an OpenAPI schema along the dotted path. */
  static boolean exists(JsonNode schema, String path) {
    JsonNode node = schema;
    for (String part : path.split("\\.")) {
      while (node.has("items")) {
        node = node.get("items");
      }
      node = node.path("properties").path(part);
      if (node.isMissingNode()) {
        return false;
      }
    }
    return true;
  }
}
