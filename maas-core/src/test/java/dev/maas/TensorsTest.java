package dev.maas;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The byte-level batch assembly and split, without an engine. */
class TensorsTest {
    private static Tensors.Input call(int rows, float first) {
        ByteBuffer b = ByteBuffer.allocate(rows * 2 * 4).order(ByteOrder.nativeOrder());
        for (int i = 0; i < rows * 2; i++) {
            b.putFloat(first + i);
        }
        b.flip();
        Tensors.Tensor t = new Tensors.Tensor("x", DataType.FLOAT32, new Shape(rows, 2), b);
        return new Tensors.Input(List.of(t), rows, "k");
    }

    private static float[] floats(ByteBuffer b) {
        ByteBuffer d = b.duplicate().order(ByteOrder.nativeOrder());
        float[] f = new float[d.remaining() / 4];
        d.asFloatBuffer().get(f);
        return f;
    }

    @Test
    void concat_putsTheCallsRowsOneAfterAnother_andSliceGivesEachItsOwn() {
        List<Tensors.Input> calls = List.of(call(1, 0), call(3, 100), call(2, 200));
        Tensors.Scratch scratch = new Tensors.Scratch();
        ByteBuffer all = Tensors.concat(calls, 0, scratch.get(0, Tensors.bytes(calls, 0)));

        assertThat(floats(all))
                .containsExactly(0, 1, 100, 101, 102, 103, 104, 105, 200, 201, 202, 203);

        List<ByteBuffer> slices = Tensors.slice(all, calls, 6);
        assertThat(floats(slices.get(0))).containsExactly(0, 1);
        assertThat(floats(slices.get(1))).containsExactly(100, 101, 102, 103, 104, 105);
        assertThat(floats(slices.get(2))).containsExactly(200, 201, 202, 203);
    }

    @Test
    void scratch_reusesItsBufferAndGrowsWhenNeeded() {
        Tensors.Scratch scratch = new Tensors.Scratch();
        ByteBuffer a = scratch.get(0, 100);
        ByteBuffer b = scratch.get(0, 50);
        assertThat(b).isSameAs(a);
        assertThat(b.isDirect()).isTrue();
        assertThat(b.position()).isZero();
        ByteBuffer c = scratch.get(0, 10_000);
        assertThat(c.capacity()).isGreaterThanOrEqualTo(10_000);
    }

    @Test
    void zeros_shapeTheWarmUpInputFromTheSignature() {
        List<TensorSpec> specs =
                List.of(
                        TensorSpec.of("a", DataType.FLOAT32, -1, 3),
                        TensorSpec.of("b", DataType.INT64, -1, -1, 2));
        Tensors.Input in = Tensors.zeros(specs, 4, true).orElseThrow();
        assertThat(in.rows()).isEqualTo(4);
        assertThat(in.tensors().get(0).shape()).isEqualTo(new Shape(4, 3));
        assertThat(in.tensors().get(1).shape()).isEqualTo(new Shape(4, 1, 2));
        assertThat(in.tensors().get(1).data().capacity()).isEqualTo(4 * 2 * 8);
        assertThat(Tensors.zeros(List.of(TensorSpec.of("s", DataType.STRING, -1)), 1, true))
                .isEmpty();
    }
}
