package dev.apqn.gitops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.luaj.vm2.LuaError;

/**
 * deploy/argocd/argocd-cm-patch.yaml carries exactly the scripts of deploy/argocd/resource_customizations
 * (under the keys Argo CD reads: resource.customizations.health.<group>_<kind>), and the interpreter
 * the health tests use is as strict as Argo CD's.
 */
class ArgoCdConfigMapTest {

    static final Path PATCH = Path.of("deploy/argocd/argocd-cm-patch.yaml");

    /** argocd-cm key → script, from the files. */
    static Map<String, String> scripts() throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(ArgoHealthScript.CUSTOMIZATIONS)) {
            for (Path p : files.filter(f -> f.getFileName().toString().equals("health.lua")).toList()) {
                String kind = p.getParent().getFileName().toString();
                String group = p.getParent().getParent().getFileName().toString();
                out.put("resource.customizations.health." + group + "_" + kind, Files.readString(p));
            }
        }
        return out;
    }

    @Test
    void thePatchCarriesEveryHealthScriptUnchanged() throws IOException {
        JsonNode cm = new ObjectMapper(new YAMLFactory()).readTree(PATCH.toFile());
        assertThat(cm.path("kind").asText()).isEqualTo("ConfigMap");
        assertThat(cm.path("metadata").path("name").asText()).isEqualTo("argocd-cm");
        Map<String, String> data = new TreeMap<>();
        cm.path("data").fields().forEachRemaining(e -> data.put(e.getKey(), e.getValue().asText()));
        assertThat(scripts()).containsOnlyKeys("resource.customizations.health.apqn.dev_APQNReservation",
                "resource.customizations.health.apqn.dev_APNodeState");
        assertThat(data).as("%s is out of date: run hack/argocd-cm.sh", PATCH).isEqualTo(scripts());
    }

    @Test
    void theInterpreterOpensOnlyTheLibrariesArgoCdOpens() {
        ArgoHealthScript usesStringLibrary = new ArgoHealthScript("strings.lua",
                "return {status = 'Healthy', message = string.lower(obj.kind)}");
        assertThatThrownBy(() -> usesStringLibrary.assess(Map.of("kind", "APQNReservation")))
                .isInstanceOf(LuaError.class).hasMessageContaining("string");
        ArgoHealthScript stringMethod = new ArgoHealthScript("method.lua",
                "return {status = 'Healthy', message = obj.kind:lower()}");
        assertThatThrownBy(() -> stringMethod.assess(Map.of("kind", "APQNReservation"))).isInstanceOf(LuaError.class);
    }

    @Test
    void aStatusArgoCdDoesNotKnowBecomesUnknown() {
        var script = new ArgoHealthScript("ok.lua", "return {status = 'OK', message = 'fine'}");
        assertThat(script.assess(Map.of())).isEqualTo(
                new ArgoHealthScript.Health("Unknown", "Lua returned an invalid health status"));
    }
}
