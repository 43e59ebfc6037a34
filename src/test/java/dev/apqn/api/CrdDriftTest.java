package dev.apqn.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** crds/ is generated from the API classes: regenerate and compare, byte for byte. */
class CrdDriftTest {

    static final Path COMMITTED = Path.of("crds");

    @Test
    void committedCrdsMatchTheApiClasses(@TempDir Path dir) {
        CrdGenerator.generate(dir);
        Map<String, String> fresh = CrdGenerator.read(dir);
        Map<String, String> committed = CrdGenerator.read(COMMITTED);
        assertThat(fresh).hasSize(CrdGenerator.KINDS.size());
        if (!fresh.equals(committed)) {
            var report = new StringBuilder("CRDs in crds/ are out of date: run `" + CrdGenerator.FIX
                    + "` and commit the result\n");
            for (String name : union(fresh, committed)) {
                String a = committed.get(name);
                String b = fresh.get(name);
                if (a == null) {
                    report.append("missing in crds/: ").append(name).append('\n');
                } else if (b == null) {
                    report.append("not generated any more (delete it): crds/").append(name).append('\n');
                } else if (!a.equals(b)) {
                    report.append(diffExcerpt(name, a, b));
                }
            }
            fail(report.toString());
        }
    }

    private static List<String> union(Map<String, String> a, Map<String, String> b) {
        var names = new java.util.TreeSet<>(a.keySet());
        names.addAll(b.keySet());
        return new ArrayList<>(names);
    }

    /** The first differing lines with a little context, enough to see what changed. */
    static String diffExcerpt(String name, String committed, String fresh) {
        String[] a = committed.split("\n", -1);
        String[] b = fresh.split("\n", -1);
        int first = 0;
        while (first < a.length && first < b.length && a[first].equals(b[first])) {
            first++;
        }
        var sb = new StringBuilder("--- crds/" + name + " (committed)\n+++ " + name + " (generated)\n");
        sb.append("@@ line ").append(first + 1).append(" @@\n");
        for (int i = Math.max(0, first - 3); i < first; i++) {
            sb.append("  ").append(a[i]).append('\n');
        }
        for (int i = first; i < Math.min(a.length, first + 8); i++) {
            sb.append("- ").append(a[i]).append('\n');
        }
        for (int i = first; i < Math.min(b.length, first + 8); i++) {
            sb.append("+ ").append(b[i]).append('\n');
        }
        return sb.toString();
    }
}
