package dev.apqn.ap;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The three matrix line shapes, control_domains and ap_config texts (ap-bus.md §1.8, §1.9). */
class MatrixTest {

    @Test
    void fullLinesAreAdapterMajor() {
        Matrix m = Matrix.of(ApMask.of(5, 6), ApMask.of(4, 0xab));
        assertThat(m.toMatrixText()).isEqualTo("05.0004\n05.00ab\n06.0004\n06.00ab\n");
        assertThat(Matrix.parseMatrixText(m.toMatrixText())).isEqualTo(m);
    }

    @Test
    void adaptersOnlyAndDomainsOnlyShapes() {
        assertThat(Matrix.of(ApMask.of(5), ApMask.none()).toMatrixText()).isEqualTo("05.\n");
        assertThat(Matrix.of(ApMask.none(), ApMask.of(0xab)).toMatrixText()).isEqualTo(".00ab\n");
        assertThat(Matrix.EMPTY.toMatrixText()).isEmpty();
        assertThat(Matrix.parseMatrixText("05.\n06.\n")).isEqualTo(Matrix.of(ApMask.of(5, 6), ApMask.none()));
        assertThat(Matrix.parseMatrixText(".00ab\n")).isEqualTo(Matrix.of(ApMask.none(), ApMask.of(0xab)));
        assertThat(Matrix.parseMatrixText("")).isEqualTo(Matrix.EMPTY);
    }

    @Test
    void controlDomainsAndApConfigTexts() {
        Matrix m = new Matrix(ApMask.of(5), ApMask.of(4, 6), ApMask.of(4));
        assertThat(m.toControlDomainsText()).isEqualTo("0004\n");
        assertThat(m.toApConfigText()).isEqualTo("0x04" + "0".repeat(62) + ",0x0a" + "0".repeat(62) + ",0x08" + "0".repeat(62) + "\n");
        assertThat(Matrix.parseApConfigText(m.toApConfigText())).isEqualTo(m);
        assertThat(Matrix.parseControlDomainsText("0004\n00ab\n")).isEqualTo(ApMask.of(4, 0xab));
    }

    @Test
    void rectangleCheckNamesTheMissingApqns() {
        assertThat(Matrix.ofRectangle(List.of(Apqn.of(5, 4), Apqn.of(5, 6))).apqns())
                .containsExactly(Apqn.of(5, 4), Apqn.of(5, 6));
        assertThatThrownBy(() -> Matrix.ofRectangle(List.of(Apqn.of(5, 4), Apqn.of(6, 6))))
                .hasMessageContaining("do not form an adapters x domains rectangle")
                .hasMessageContaining("add [05.0006, 06.0004]");
    }

    @Test
    void overlapIsSharedAdapterAndSharedDomain() {
        Matrix a = Matrix.of(ApMask.of(5), ApMask.of(4));
        assertThat(a.overlaps(Matrix.of(ApMask.of(5), ApMask.of(6)))).isFalse();
        assertThat(a.overlaps(Matrix.of(ApMask.of(6), ApMask.of(4)))).isFalse();
        assertThat(a.overlaps(Matrix.of(ApMask.of(5, 6), ApMask.of(4, 7)))).isTrue();
    }

    @Test
    void malformedLinesAreRejected() {
        assertThatThrownBy(() -> Matrix.parseMatrixText("05-0004\n")).hasMessageContaining("expected AA.DDDD, AA. or .DDDD");
    }
}
