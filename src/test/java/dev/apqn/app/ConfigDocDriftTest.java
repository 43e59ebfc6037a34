package dev.apqn.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.fail;

import io.smallrye.config.ConfigMappings;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** docs/operator.md's configuration table is generated from {@link ApqnConfig}: render it again and compare. */
class ConfigDocDriftTest {

    @Test
    void theCommittedTableIsTheOneApqnConfigDeclares() throws IOException {
        String committed = ConfigDocGenerator.committedTable(Files.readString(ConfigDocGenerator.DOC));
        if (committed == null) {
            fail(ConfigDocGenerator.DOC + " lost its configuration table markers:\n" + ConfigDocGenerator.BEGIN + "\n"
                    + ConfigDocGenerator.END);
        }
        String fresh = ConfigDocGenerator.table();
        if (!fresh.equals(committed)) {
            fail("the configuration table in " + ConfigDocGenerator.DOC + " is out of date: run `" + ConfigDocGenerator.FIX
                    + "` and commit the result\n" + firstDifference(committed, fresh));
        }
    }

    @Test
    void theTableListsExactlyTheKeysTheApplicationReads() {
        var mapped = ConfigMappings.getProperties(ConfigMappings.ConfigClass.configClass(ApqnConfig.class)).keySet();
        assertThat(ConfigDocGenerator.keys()).extracting(ConfigDocGenerator.Key::name)
                .doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(mapped);
    }

    @Test
    void everyDocumentedDefaultAndValueIsAccepted() {
        for (var k : ConfigDocGenerator.keys()) {
            k.defaultValue().ifPresent(v -> assertThatCode(() -> ApqnConfigs.of(Map.of(k.name(), v)))
                    .as(k.name() + "=" + v).doesNotThrowAnyException());
            for (String v : k.values()) {
                assertThatCode(() -> ApqnConfigs.of(Map.of(k.name(), v))).as(k.name() + "=" + v).doesNotThrowAnyException();
            }
        }
    }

    private static String firstDifference(String committed, String fresh) {
        String[] a = committed.split("\n", -1);
        String[] b = fresh.split("\n", -1);
        int i = 0;
        while (i < a.length && i < b.length && a[i].equals(b[i])) {
            i++;
        }
        return "table line " + (i + 1) + ":\n- " + (i < a.length ? a[i] : "(nothing)") + "\n+ " + (i < b.length ? b[i] : "(nothing)");
    }
}
