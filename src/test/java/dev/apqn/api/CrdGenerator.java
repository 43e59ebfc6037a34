package dev.apqn.api;

import dev.apqn.api.v1alpha1.APNodeState;
import dev.apqn.api.v1alpha1.APQNPolicy;
import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.api.v1alpha1.ItemFormat;
import dev.apqn.api.v1alpha1.ListType;
import dev.apqn.api.v1alpha1.SingleWriter;
import com.fasterxml.jackson.annotation.JsonClassDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crdv2.generator.CRDGenerator;
import io.fabric8.crdv2.generator.CRDPostProcessor;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.CustomResource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Generates the CRDs in {@code crds/} from the API classes ({@code make generate}); {@link
 * CrdDriftTest} runs the same code into a temp dir and compares. Fabric8's CRD generator (v2, the
 * BOM's version) does the work; a post-processor adds what its annotations cannot express, read
 * from the project's own annotations on the classes: {@link ListType} ({@code
 * x-kubernetes-list-type}/{@code -list-map-keys}, map keys made required) and {@link ItemFormat}
 * (bounds and patterns of list items), {@link SingleWriter} ({@code x-kubernetes-map-type: atomic}).
 */
public final class CrdGenerator {

    /** The CRD classes, by kind. */
    public static final Map<String, Class<? extends CustomResource<?, ?>>> KINDS = Map.of(
            "APQNReservation", APQNReservation.class,
            "APNodeState", APNodeState.class,
            "APQNPolicy", APQNPolicy.class);

    public static final String FIX = "make generate";

    private CrdGenerator() {
    }

    public static void main(String[] args) {
        Path out = Path.of(args.length > 0 ? args[0] : "crds");
        var files = generate(out);
        files.forEach(f -> System.out.println("generated " + f));
    }

    /** Writes one {@code <plural>.<group>-v1.yml} per kind into {@code dir}; returns the files, sorted. */
    public static List<Path> generate(Path dir) {
        try {
            Files.createDirectories(dir);
            var info = new CRDGenerator()
                    .inOutputDir(dir.toFile())
                    .forCRDVersions("v1")
                    .withParallelGenerationEnabled(false)
                    .withPostProcessor(new PostProcessor())
                    .customResourceClasses(new ArrayList<>(KINDS.values()))
                    .detailedGenerate();
            var files = new ArrayList<Path>();
            info.getCRDDetailsPerNameAndVersion().values()
                    .forEach(v -> v.values().forEach(d -> files.add(Path.of(d.getFilePath()))));
            files.sort(null);
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The generated YAML of every file in {@code dir}, by file name. */
    public static Map<String, String> read(Path dir) {
        var out = new TreeMap<String, String>();
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".yml") || f.toString().endsWith(".yaml")).toList()) {
                out.put(f.getFileName().toString(), Files.readString(f));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    static final class PostProcessor implements CRDPostProcessor {
        @Override
        public HasMetadata process(HasMetadata resource, String crdSpecVersion) {
            var crd = (CustomResourceDefinition) resource;
            Class<?> type = KINDS.get(crd.getSpec().getNames().getKind());
            if (type == null) {
                return crd;
            }
            // Deleting a CRD deletes every object of its kind (every reservation, without its release):
            // Helm never deletes crds/ anyway; Argo CD and Flux honour this annotation when pruning.
            crd.getMetadata().setAnnotations(new java.util.TreeMap<>(java.util.Map.of("helm.sh/resource-policy", "keep")));
            for (var version : crd.getSpec().getVersions()) {
                // printer columns in declaration order (the generator sorts them by name)
                var order = java.util.Arrays.stream(type.getAnnotationsByType(AdditionalPrinterColumn.class))
                        .map(AdditionalPrinterColumn::name).toList();
                if (version.getAdditionalPrinterColumns() != null) {
                    version.getAdditionalPrinterColumns().sort(java.util.Comparator.comparingInt(c -> order.indexOf(c.getName())));
                }
                JSONSchemaProps root = version.getSchema().getOpenAPIV3Schema();
                describe(root, type);
                Type[] args = ((ParameterizedType) type.getGenericSuperclass()).getActualTypeArguments();
                apply((Class<?>) args[0], root.getProperties().get("spec"), "spec");
                apply((Class<?>) args[1], root.getProperties().get("status"), "status");
            }
            return crd;
        }

        private static void apply(Class<?> type, JSONSchemaProps schema, String path) {
            if (schema == null || schema.getProperties() == null) {
                return;
            }
            if (type.isAnnotationPresent(SingleWriter.class)) {
                schema.setXKubernetesMapType("atomic");
            }
            for (Field f : type.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                JSONSchemaProps prop = schema.getProperties().get(f.getName());
                if (prop == null) {
                    continue;
                }
                String where = path + "." + f.getName();
                ListType listType = f.getAnnotation(ListType.class);
                if (listType != null) {
                    require("array".equals(prop.getType()), where, "@ListType on a non-list");
                    prop.setXKubernetesListType(listType.value());
                    if ("map".equals(listType.value())) {
                        require(listType.keys().length > 0, where, "@ListType(\"map\") without keys");
                        prop.setXKubernetesListMapKeys(List.of(listType.keys()));
                        var items = prop.getItems().getSchema();
                        var required = new ArrayList<>(items.getRequired() == null ? List.of() : items.getRequired());
                        for (String key : listType.keys()) {
                            require(items.getProperties().containsKey(key), where, "map key " + key + " is not a property");
                            if (!required.contains(key)) {
                                required.add(key);
                            }
                        }
                        items.setRequired(required);
                    }
                }
                ItemFormat format = f.getAnnotation(ItemFormat.class);
                if (format != null) {
                    var items = prop.getItems().getSchema();
                    if (!format.pattern().isEmpty()) {
                        items.setPattern(format.pattern());
                    }
                    if (format.maxLength() >= 0) {
                        items.setMaxLength(format.maxLength());
                    }
                    if (format.minimum() != Long.MIN_VALUE) {
                        items.setMinimum((double) format.minimum());
                    }
                    if (format.maximum() != Long.MAX_VALUE) {
                        items.setMaximum((double) format.maximum());
                    }
                }
                Class<?> element = elementType(f);
                if (element == Condition.class) {
                    describeCondition(prop.getItems().getSchema());
                }
                if (element.getPackageName().startsWith("dev.apqn.api")) {
                    apply(element, "array".equals(prop.getType()) ? prop.getItems().getSchema() : prop, where);
                }
            }
        }

        /** Descriptions Jackson cannot take from @JsonClassDescription on a top-level class or its spec/status. */
        private static void describe(JSONSchemaProps root, Class<?> type) {
            var d = type.getAnnotation(JsonClassDescription.class);
            if (d != null && root.getDescription() == null) {
                root.setDescription(d.value());
            }
            Type[] args = ((ParameterizedType) type.getGenericSuperclass()).getActualTypeArguments();
            for (int i = 0; i < 2; i++) {
                var part = root.getProperties().get(i == 0 ? "spec" : "status");
                var cd = ((Class<?>) args[i]).getAnnotation(JsonClassDescription.class);
                if (part != null && cd != null && part.getDescription() == null) {
                    part.setDescription(cd.value());
                }
            }
        }

        /** metav1.Condition's field documentation, which Fabric8's Condition class does not carry. */
        private static void describeCondition(JSONSchemaProps item) {
            var text = Map.of(
                    "type", "Condition type in CamelCase (dev.apqn.status.Conditions), e.g. Ready.",
                    "status", "True, False or Unknown.",
                    "reason", "Machine-readable CamelCase reason from a fixed vocabulary (dev.apqn.status.Reason).",
                    "message", "Human-readable detail.",
                    "lastTransitionTime", "When status last changed (RFC 3339).",
                    "observedGeneration", "The metadata.generation the condition was computed from.");
            item.setDescription("A metav1.Condition.");
            text.forEach((k, v) -> {
                var p = item.getProperties().get(k);
                if (p != null && p.getDescription() == null) {
                    p.setDescription(v);
                }
            });
            var required = new ArrayList<>(item.getRequired() == null ? List.<String>of() : item.getRequired());
            if (!required.contains("status")) {
                required.add("status");
            }
            item.setRequired(required);
        }

        private static Class<?> elementType(Field f) {
            if (List.class.isAssignableFrom(f.getType()) && f.getGenericType() instanceof ParameterizedType p
                    && p.getActualTypeArguments()[0] instanceof Class<?> c) {
                return c;
            }
            return f.getType();
        }

        private static void require(boolean ok, String where, String what) {
            if (!ok) {
                throw new IllegalStateException(where + ": " + what);
            }
        }
    }
}
