package dev.apqn.bench;

import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The API server's own request counters: {@code apiserver_request_total} from {@code /metrics}
 * (fetched with the admin client), reduced to write requests by resource, subresource, verb and code.
 * They count every client of the server, so the benchmark runs nothing else against it and subtracts
 * its own requests.
 */
final class ApiServerMetrics {

    /** The verbs the API server reports for writes (apiserver_request_total's verb label). */
    static final Set<String> WRITE_VERBS = Set.of("POST", "PUT", "PATCH", "DELETE", "DELETECOLLECTION", "APPLY",
            "CREATE", "UPDATE");
    static final String RESERVATIONS = "apqnreservations";
    static final String NODE_STATES = "apnodestates";
    static final String EVENTS = "events";
    static final String LEASES = "leases";

    /**
     * Create requests the server answers without storing anything: access reviews (a starting
     * controller's permission checks) and token requests. Not counted as writes; kept apart.
     */
    static final Set<String> NOT_STORED = Set.of("selfsubjectrulesreviews", "selfsubjectaccessreviews",
            "subjectaccessreviews", "localsubjectaccessreviews", "tokenreviews", "serviceaccounts/token");

    private static final Pattern LINE = Pattern.compile("^apiserver_request_total\\{([^}]*)}\\s+(\\S+)");
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    /** One counter series, reduced to what matters here. */
    record Key(String resource, String subresource, String verb, String code) {
        boolean stored() {
            return !NOT_STORED.contains(resource) && !NOT_STORED.contains(resource + "/" + subresource);
        }

        String label() {
            return verb + (subresource.isEmpty() ? "" : " " + subresource) + " " + code;
        }
    }

    /** A scrape: write counters by series. */
    record Snapshot(Map<Key, Long> writes, Map<String, Long> all, Map<String, Double> cpuSeconds) {

        Snapshot minus(Snapshot before) {
            Map<Key, Long> d = new HashMap<>();
            writes.forEach((k, v) -> {
                long delta = v - before.writes.getOrDefault(k, 0L);
                if (delta != 0) {
                    d.put(k, delta);
                }
            });
            Map<String, Long> a = new TreeMap<>();
            all.forEach((k, v) -> {
                long delta = v - before.all.getOrDefault(k, 0L);
                if (delta != 0) {
                    a.put(k, delta);
                }
            });
            return new Snapshot(d, a, ProcessMemory.minus(cpuSeconds, before.cpuSeconds));
        }

        /** Every request (reads too) by "resource VERB", the 12 most frequent: where the server's time goes. */
        Map<String, Long> topRequests() {
            Map<String, Long> out = new LinkedHashMap<>();
            all.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(12)
                    .forEach(e -> out.put(e.getKey(), e.getValue()));
            return out;
        }

        /** Writes answered 409 Conflict, by resource. */
        Map<String, Long> conflicts() {
            Map<String, Long> out = new TreeMap<>();
            writes.forEach((k, v) -> {
                if (k.code().equals("409")) {
                    out.merge(k.resource(), v, Long::sum);
                }
            });
            return out;
        }

        long total(String resource) {
            return writes.entrySet().stream().filter(e -> e.getKey().resource().equals(resource))
                    .mapToLong(Map.Entry::getValue).sum();
        }

        /** "VERB [subresource] code" → count, for one resource. */
        Map<String, Long> breakdown(String resource) {
            Map<String, Long> out = new TreeMap<>();
            writes.forEach((k, v) -> {
                if (k.resource().equals(resource)) {
                    out.merge(k.label(), v, Long::sum);
                }
            });
            return out;
        }

        /** Every resource written (stored), with its total. */
        Map<String, Long> byResource() {
            Map<String, Long> out = new TreeMap<>();
            writes.forEach((k, v) -> {
                if (k.stored()) {
                    out.merge(k.resource(), v, Long::sum);
                }
            });
            return out;
        }

        /** Create requests that store nothing ({@link #NOT_STORED}), by resource[/subresource]. */
        Map<String, Long> notStored() {
            Map<String, Long> out = new TreeMap<>();
            writes.forEach((k, v) -> {
                if (!k.stored()) {
                    out.merge(k.resource() + (k.subresource().isEmpty() ? "" : "/" + k.subresource()), v, Long::sum);
                }
            });
            return out;
        }
    }

    private final KubernetesClient admin;
    private final Processes processes;

    ApiServerMetrics(KubernetesClient admin, Processes processes) {
        this.admin = admin;
        this.processes = processes;
    }

    /** Scrapes /metrics and notes the CPU time used so far by every process of the run. */
    Snapshot scrape() {
        Map<String, Double> cpu = processes.cpuSeconds();
        String text = admin.raw("/metrics");
        if (text == null) {
            throw new IllegalStateException("GET /metrics returned nothing");
        }
        Snapshot s = parse(text);
        return new Snapshot(s.writes(), s.all(), cpu);
    }

    static Snapshot parse(String text) {
        Map<Key, Long> writes = new HashMap<>();
        Map<String, Long> all = new HashMap<>();
        for (String line : text.split("\n")) {
            if (!line.startsWith("apiserver_request_total{")) {
                continue;
            }
            Matcher m = LINE.matcher(line);
            if (!m.find()) {
                continue;
            }
            Map<String, String> labels = new LinkedHashMap<>();
            Matcher l = LABEL.matcher(m.group(1));
            while (l.find()) {
                labels.put(l.group(1), l.group(2));
            }
            String verb = labels.getOrDefault("verb", "").toUpperCase(Locale.ROOT);
            String sub = labels.getOrDefault("subresource", "");
            all.merge(labels.getOrDefault("resource", "") + (sub.isEmpty() ? "" : "/" + sub) + " " + verb,
                    (long) Double.parseDouble(m.group(2)), Long::sum);
            if (!WRITE_VERBS.contains(verb)) {
                continue;
            }
            var key = new Key(labels.getOrDefault("resource", ""), labels.getOrDefault("subresource", ""), verb,
                    labels.getOrDefault("code", ""));
            writes.merge(key, (long) Double.parseDouble(m.group(2)), Long::sum);
        }
        return new Snapshot(writes, all, Map.of());
    }
}
