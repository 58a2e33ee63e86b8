package dev.maas.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** AssertJ checks for float matrices. */
public final class FloatAssertions {
    /** The tolerance used when comparing an engine's float32 output with {@link ReferenceMath}. */
    public static final double TOLERANCE = 1e-5;

    private FloatAssertions() {}

    /** Asserts same dimensions and every element within {@link #TOLERANCE}. */
    public static void assertClose(float[][] actual, float[][] expected) {
        assertThat(actual.length).as("rows").isEqualTo(expected.length);
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i].length).as("columns of row %d", i).isEqualTo(expected[i].length);
            for (int j = 0; j < expected[i].length; j++) {
                assertThat((double) actual[i][j])
                        .as("element [%d][%d]", i, j)
                        .isCloseTo(expected[i][j], within(TOLERANCE));
            }
        }
    }
}
