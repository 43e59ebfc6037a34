package dev.apqn.apbus.sim;

import dev.apqn.apbus.sim.ConformanceRows.NotModelled;
import dev.apqn.apbus.sim.ConformanceRows.Row;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every row of ap-bus.md §1.2, §1.7–§1.11, §2.1–§2.4, §8.1's lszcrypt behaviours and §10 is covered by at least one
 * conformance case, or listed in {@link NotModelled} with its reason — and nothing else: no case
 * names a row the document does not have, and no whole row is both covered and "not modelled".
 */
class ConformanceCoverageTest {

    static List<ConformanceCase> allCases() {
        List<ConformanceCase> all = new ArrayList<>();
        all.addAll(ConformanceBusAttributesTest.cases());
        all.addAll(ConformanceMdevAttributesTest.cases());
        all.addAll(ConformanceGrammarTest.cases());
        all.addAll(ConformanceInvariantsTest.cases());
        all.addAll(ConformanceDeviceFilesTest.cases());
        return all;
    }

    static Set<Row> docRows() {
        Set<Row> rows = new LinkedHashSet<>();
        ConformanceRows.DOC_ROWS.forEach((section, names) -> names.forEach(n -> rows.add(new Row(section, n))));
        return rows;
    }

    @Test
    void everyDocumentRowIsCoveredOrListedAsNotModelled() {
        Set<Row> doc = docRows();
        Set<Row> covered = new LinkedHashSet<>();
        allCases().forEach(c -> covered.add(c.docRow()));
        Set<Row> notModelled = new LinkedHashSet<>();
        for (NotModelled nm : NotModelled.values()) {
            if (nm.wholeRow()) {
                notModelled.add(nm.row());
            }
        }
        Set<String> missing = new TreeSet<>();
        for (Row r : doc) {
            if (!covered.contains(r) && !notModelled.contains(r)) {
                missing.add(r.toString());
            }
        }
        assertThat(missing).as("ap-bus.md rows with neither a conformance case nor a NotModelled entry").isEmpty();

        Set<String> unknown = new TreeSet<>();
        covered.stream().filter(r -> !doc.contains(r)).forEach(r -> unknown.add(r.toString()));
        for (NotModelled nm : NotModelled.values()) {
            if (!doc.contains(nm.row())) {
                unknown.add(nm + " → " + nm.row());
            }
        }
        assertThat(unknown).as("cases or NotModelled entries naming rows that are not in ap-bus.md").isEmpty();

        Set<String> both = new TreeSet<>();
        notModelled.stream().filter(covered::contains).forEach(r -> both.add(r.toString()));
        assertThat(both).as("rows both covered and listed as wholly not modelled").isEmpty();
    }

    @Test
    void everyKernelLevelRunsCasesOfEverySection() {
        for (KernelLevel level : KernelLevel.values()) {
            Set<String> sections = new TreeSet<>();
            allCases().stream().filter(c -> c.levels().contains(level)).forEach(c -> sections.add(c.section()));
            Set<String> expected = new TreeSet<>(ConformanceRows.DOC_ROWS.keySet());
            if (!SimCapabilities.of(level).apConfig()) {
                expected.remove("§2.3"); // no ap_config attribute before 6.10 (asserted absent in §1.8 cases)
            }
            assertThat(sections).as("sections exercised on " + level).containsAll(expected);
        }
    }

    @Test
    void notModelledEntriesGiveAReason() {
        for (NotModelled nm : NotModelled.values()) {
            assertThat(nm.reason).as(nm.name()).isNotBlank();
        }
    }
}
