package dev.maas.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import inference.InferTensorContents;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GrpcContentsTest {

    private static ByteBuffer le(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void fp32_typedAndRawAreTheSameLittleEndianBits() {
        float[] values = {1.5f, -0f, Float.NaN, Float.MIN_VALUE, Float.MAX_VALUE, -3.25f};
        InferTensorContents.Builder typed = InferTensorContents.newBuilder();
        ByteBuffer expected = le(4 * values.length);
        for (float v : values) {
            typed.addFp32Contents(v);
            expected.putInt(Float.floatToRawIntBits(v));
        }

        ByteString raw = GrpcContents.toRaw("x", "FP32", values.length, typed.build());

        assertThat(raw.toByteArray()).isEqualTo(expected.array());
        assertThat(GrpcContents.toContents("FP32", raw)).isEqualTo(typed.build());
    }

    @Test
    void integers_keepSignAndWidth() {
        InferTensorContents ints =
                InferTensorContents.newBuilder().addIntContents(-128).addIntContents(127).build();
        assertThat(GrpcContents.toRaw("x", "INT8", 2, ints).toByteArray())
                .containsExactly(0x80, 0x7f);
        assertThat(GrpcContents.toContents("INT8", GrpcContents.toRaw("x", "INT8", 2, ints)))
                .isEqualTo(ints);

        InferTensorContents shorts =
                InferTensorContents.newBuilder().addIntContents(-2).addIntContents(300).build();
        ByteString raw16 = GrpcContents.toRaw("x", "INT16", 2, shorts);
        assertThat(raw16.toByteArray()).containsExactly(0xfe, 0xff, 0x2c, 0x01);
        assertThat(GrpcContents.toContents("INT16", raw16)).isEqualTo(shorts);

        InferTensorContents u =
                InferTensorContents.newBuilder().addUintContents(255).addUintContents(0).build();
        assertThat(GrpcContents.toRaw("x", "UINT8", 2, u).toByteArray())
                .containsExactly(0xff, 0x00);
        assertThat(GrpcContents.toContents("UINT8", GrpcContents.toRaw("x", "UINT8", 2, u)))
                .isEqualTo(u);

        InferTensorContents u16 = InferTensorContents.newBuilder().addUintContents(65535).build();
        assertThat(GrpcContents.toContents("UINT16", GrpcContents.toRaw("x", "UINT16", 1, u16)))
                .isEqualTo(u16);

        InferTensorContents u32 = InferTensorContents.newBuilder().addUintContents(-1).build();
        assertThat(GrpcContents.toRaw("x", "UINT32", 1, u32).toByteArray())
                .containsExactly(0xff, 0xff, 0xff, 0xff);
        assertThat(GrpcContents.toContents("UINT32", GrpcContents.toRaw("x", "UINT32", 1, u32)))
                .isEqualTo(u32);

        InferTensorContents u64 = InferTensorContents.newBuilder().addUint64Contents(-1L).build();
        assertThat(GrpcContents.toContents("UINT64", GrpcContents.toRaw("x", "UINT64", 1, u64)))
                .isEqualTo(u64);

        InferTensorContents i64 =
                InferTensorContents.newBuilder()
                        .addInt64Contents(Long.MIN_VALUE)
                        .addInt64Contents(42)
                        .build();
        assertThat(GrpcContents.toContents("INT64", GrpcContents.toRaw("x", "INT64", 2, i64)))
                .isEqualTo(i64);

        InferTensorContents i32 =
                InferTensorContents.newBuilder().addIntContents(Integer.MIN_VALUE).build();
        assertThat(GrpcContents.toContents("INT32", GrpcContents.toRaw("x", "INT32", 1, i32)))
                .isEqualTo(i32);
    }

    @Test
    void boolFp64AndBytes_roundTrip() {
        InferTensorContents b =
                InferTensorContents.newBuilder()
                        .addBoolContents(true)
                        .addBoolContents(false)
                        .build();
        assertThat(GrpcContents.toRaw("x", "BOOL", 2, b).toByteArray()).containsExactly(1, 0);
        assertThat(GrpcContents.toContents("BOOL", GrpcContents.toRaw("x", "BOOL", 2, b)))
                .isEqualTo(b);

        InferTensorContents d =
                InferTensorContents.newBuilder()
                        .addFp64Contents(Math.PI)
                        .addFp64Contents(-0.0)
                        .build();
        assertThat(GrpcContents.toContents("FP64", GrpcContents.toRaw("x", "FP64", 2, d)))
                .isEqualTo(d);

        InferTensorContents s =
                InferTensorContents.newBuilder()
                        .addBytesContents(ByteString.copyFromUtf8("héllo"))
                        .addBytesContents(ByteString.EMPTY)
                        .build();
        ByteString raw = GrpcContents.toRaw("x", "BYTES", 2, s);
        byte[] hello = "héllo".getBytes(StandardCharsets.UTF_8);
        assertThat(raw.size()).isEqualTo(4 + hello.length + 4);
        GrpcContents.checkRaw("x", "BYTES", 2, raw);
        assertThat(GrpcContents.toContents("BYTES", raw)).isEqualTo(s);
    }

    @Test
    void wrongField_namesTheExpectedOne() {
        InferTensorContents ints = InferTensorContents.newBuilder().addIntContents(1).build();
        assertInvalid(
                () -> GrpcContents.toRaw("x", "FP32", 1, ints),
                "tensor 'x' (FP32) carries its data in int_contents; expected fp32_contents");
    }

    @Test
    void wrongCount_saysWhatTheShapeNeeds() {
        InferTensorContents two =
                InferTensorContents.newBuilder().addFp32Contents(1).addFp32Contents(2).build();
        assertInvalid(
                () -> GrpcContents.toRaw("x", "FP32", 3, two),
                "tensor 'x' (FP32) has 2 elements in fp32_contents; its shape needs 3");
    }

    @Test
    void outOfRange_isRejected() {
        assertInvalid(
                () ->
                        GrpcContents.toRaw(
                                "x",
                                "INT8",
                                1,
                                InferTensorContents.newBuilder().addIntContents(128).build()),
                "tensor 'x' (INT8) holds 128, outside [-128, 127]");
        assertInvalid(
                () ->
                        GrpcContents.toRaw(
                                "x",
                                "UINT16",
                                1,
                                InferTensorContents.newBuilder().addUintContents(70000).build()),
                "tensor 'x' (UINT16) holds 70000, outside [0, 65535]");
    }

    @ParameterizedTest
    @ValueSource(strings = {"FP16", "BF16"})
    void halfPrecision_mustBeRaw(String datatype) {
        assertInvalid(
                () ->
                        GrpcContents.toRaw(
                                "h", datatype, 1, InferTensorContents.getDefaultInstance()),
                "tensor 'h' is " + datatype + ", which has no typed contents");
        assertThat(GrpcContents.hasTypedContents(datatype)).isFalse();
        GrpcContents.checkRaw("h", datatype, 2, ByteString.copyFrom(new byte[4]));
    }

    @Test
    void unknownDatatype_listsTheKnownOnes() {
        assertInvalid(
                () -> GrpcContents.elementSize("x", "FLOAT"),
                "datatype 'FLOAT'; expected one of BOOL");
    }

    @Test
    void rawSize_mustMatchTheShape() {
        assertInvalid(
                () -> GrpcContents.checkRaw("x", "FP32", 3, ByteString.copyFrom(new byte[11])),
                "tensor 'x' (FP32, 3 elements) has 11 bytes of raw contents; expected 12");
    }

    @Test
    void rawBytes_badLengthPrefix_isRejected() {
        ByteString lying =
                ByteString.copyFrom(le(6).putInt(100).put((byte) 1).put((byte) 2).array());
        assertInvalid(
                () -> GrpcContents.checkRaw("s", "BYTES", 1, lying),
                "element 0 declares 100 bytes but only 2 remain");
        ByteString stray = ByteString.copyFrom(le(6).putInt(1).put((byte) 1).put((byte) 9).array());
        assertInvalid(
                () -> GrpcContents.checkRaw("s", "BYTES", 1, stray),
                "holds 1 length-prefixed elements and 1 stray bytes; expected 1");
    }

    @Test
    void shape_negativeOrHuge_isRejected() {
        assertInvalid(
                () -> GrpcContents.elementCount("x", List.of(2L, -1L)), "dimensions must be >= 0");
        assertInvalid(
                () -> GrpcContents.elementCount("x", List.of(1L << 20, 1L << 20)),
                "too many elements");
        assertThat(GrpcContents.elementCount("x", List.of(2L, 3L))).isEqualTo(6);
        assertThat(GrpcContents.elementCount("x", List.of())).isEqualTo(1);
    }

    private static void assertInvalid(Runnable call, String message) {
        assertThatThrownBy(call::run)
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e ->
                                assertThat(e.getStatus().getCode())
                                        .isEqualTo(Status.Code.INVALID_ARGUMENT))
                .hasMessageContaining(message);
    }
}
