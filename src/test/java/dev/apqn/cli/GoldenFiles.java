package dev.apqn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Expected outputs under src/test/resources/golden/kubectl-apqn/. A mismatch fails with a line diff;
 * {@code -Dgolden.update=true} writes the actual output instead (review the change with git diff).
 */
final class GoldenFiles {

    static final Path DIR = Path.of("src/test/resources/golden/kubectl-apqn");
    static final boolean UPDATE = Boolean.getBoolean("golden.update");

    private GoldenFiles() {
    }

    static void check(String name, String actual) {
        Path file = DIR.resolve(name);
        try {
            if (UPDATE) {
                Files.writeString(file, actual);
                return;
            }
            assertThat(file).as("golden file %s is missing; create it with -Dgolden.update=true", file).exists();
            String expected = Files.readString(file);
            if (!expected.equals(actual)) {
                throw new AssertionError("output differs from " + file + " (-expected +actual; -Dgolden.update=true"
                        + " accepts the new output):\n" + diff(expected.lines().toList(), actual.lines().toList()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A unified-style line diff (longest common subsequence), changed lines with up to 2 lines of context. */
    static String diff(List<String> a, List<String> b) {
        int[][] lcs = new int[a.size() + 1][b.size() + 1];
        for (int i = a.size() - 1; i >= 0; i--) {
            for (int j = b.size() - 1; j >= 0; j--) {
                lcs[i][j] = a.get(i).equals(b.get(j)) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
            }
        }
        List<String> lines = new ArrayList<>();
        int i = 0;
        int j = 0;
        while (i < a.size() || j < b.size()) {
            if (i < a.size() && j < b.size() && a.get(i).equals(b.get(j))) {
                lines.add("  " + a.get(i));
                i++;
                j++;
            } else if (i < a.size() && (j == b.size() || lcs[i + 1][j] >= lcs[i][j + 1])) {
                lines.add("- " + a.get(i++));
            } else {
                lines.add("+ " + b.get(j++));
            }
        }
        var out = new StringBuilder();
        int lastShown = -1;
        for (int k = 0; k < lines.size(); k++) {
            boolean near = false;
            for (int d = -2; d <= 2 && !near; d++) {
                int x = k + d;
                near = x >= 0 && x < lines.size() && !lines.get(x).startsWith("  ");
            }
            if (near) {
                if (lastShown >= 0 && k > lastShown + 1) {
                    out.append("  ...\n");
                }
                out.append(lines.get(k)).append('\n');
                lastShown = k;
            }
        }
        return out.toString();
    }
}
