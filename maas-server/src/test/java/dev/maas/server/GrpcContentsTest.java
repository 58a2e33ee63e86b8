package dev.maas.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import inference.InferTensorContents;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Typed contents to raw bytes and back, for every datatype, and each malformed form. */
class GrpcContentsTest {

    private static ByteBuffer le(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static byte[] raw(OipDatatype type, int count, InferTensorContents c) {
        return GrpcContents.toRaw("x", type, count, c);
    }

    private static void assertRoundTrip(OipDatatype type, int count, InferTensorContents c) {
        byte[] raw = raw(type, count, c);
        new InferTensor("x", type, new long[] {count}, raw); // the size InferTensor expects
        assertThat(GrpcContents.toContents(type, raw)).isEqualTo(c);
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

        assertThat(raw(OipDatatype.FP32, values.length, typed.build())).isEqualTo(expected.array());
        assertRoundTrip(OipDatatype.FP32, values.length, typed.build());
    }

    @Test
    void signedIntegers_keepSignAndWidth() {
        InferTensorContents i8 =
                InferTensorContents.newBuilder().addIntContents(-128).addIntContents(127).build();
        assertThat(raw(OipDatatype.INT8, 2, i8)).containsExactly(0x80, 0x7f);
        assertRoundTrip(OipDatatype.INT8, 2, i8);

        InferTensorContents i16 =
                InferTensorContents.newBuilder().addIntContents(-2).addIntContents(300).build();
        assertThat(raw(OipDatatype.INT16, 2, i16)).containsExactly(0xfe, 0xff, 0x2c, 0x01);
        assertRoundTrip(OipDatatype.INT16, 2, i16);

        assertRoundTrip(
                OipDatatype.INT32,
                2,
                InferTensorContents.newBuilder()
                        .addIntContents(Integer.MIN_VALUE)
                        .addIntContents(7)
                        .build());
        assertRoundTrip(
                OipDatatype.INT64,
                2,
                InferTensorContents.newBuilder()
                        .addInt64Contents(Long.MIN_VALUE)
                        .addInt64Contents(42)
                        .build());
    }

    @Test
    void unsignedIntegers_useTheFullRange() {
        InferTensorContents u8 =
                InferTensorContents.newBuilder().addUintContents(255).addUintContents(0).build();
        assertThat(raw(OipDatatype.UINT8, 2, u8)).containsExactly(0xff, 0x00);
        assertRoundTrip(OipDatatype.UINT8, 2, u8);
        assertRoundTrip(
                OipDatatype.UINT16,
                1,
                InferTensorContents.newBuilder().addUintContents(65535).build());
        InferTensorContents u32 = InferTensorContents.newBuilder().addUintContents(-1).build();
        assertThat(raw(OipDatatype.UINT32, 1, u32)).containsExactly(0xff, 0xff, 0xff, 0xff);
        assertRoundTrip(OipDatatype.UINT32, 1, u32);
        assertRoundTrip(
                OipDatatype.UINT64,
                1,
                InferTensorContents.newBuilder().addUint64Contents(-1L).build());
    }

    @Test
    void boolFp64AndBytes_roundTrip() {
        InferTensorContents b =
                InferTensorContents.newBuilder()
                        .addBoolContents(true)
                        .addBoolContents(false)
                        .build();
        assertThat(raw(OipDatatype.BOOL, 2, b)).containsExactly(1, 0);
        assertRoundTrip(OipDatatype.BOOL, 2, b);

        assertRoundTrip(
                OipDatatype.FP64,
                2,
                InferTensorContents.newBuilder()
                        .addFp64Contents(Math.PI)
                        .addFp64Contents(-0.0)
                        .build());

        InferTensorContents s =
                InferTensorContents.newBuilder()
                        .addBytesContents(ByteString.copyFromUtf8("héllo"))
                        .addBytesContents(ByteString.EMPTY)
                        .build();
        byte[] hello = "héllo".getBytes(StandardCharsets.UTF_8);
        assertThat(raw(OipDatatype.BYTES, 2, s)).hasSize(4 + hello.length + 4);
        assertRoundTrip(OipDatatype.BYTES, 2, s);
    }

    @Test
    void wrongField_namesTheExpectedOne() {
        InferTensorContents ints = InferTensorContents.newBuilder().addIntContents(1).build();
        assertBadRequest(
                () -> raw(OipDatatype.FP32, 1, ints),
                "tensor 'x' (FP32) carries its data in int_contents; expected fp32_contents");
    }

    @Test
    void wrongCount_saysWhatTheShapeNeeds() {
        InferTensorContents two =
                InferTensorContents.newBuilder().addFp32Contents(1).addFp32Contents(2).build();
        assertBadRequest(
                () -> raw(OipDatatype.FP32, 3, two),
                "tensor 'x' (FP32) has 2 elements in fp32_contents; its shape needs 3");
    }

    @Test
    void outOfRange_isRejected() {
        assertBadRequest(
                () ->
                        raw(
                                OipDatatype.INT8,
                                1,
                                InferTensorContents.newBuilder().addIntContents(128).build()),
                "tensor 'x' (INT8) holds 128, outside [-128, 127]");
        assertBadRequest(
                () ->
                        raw(
                                OipDatatype.UINT16,
                                1,
                                InferTensorContents.newBuilder().addUintContents(70000).build()),
                "tensor 'x' (UINT16) holds 70000, outside [0, 65535]");
    }

    @ParameterizedTest
    @EnumSource(
            value = OipDatatype.class,
            names = {"FP16", "BF16"})
    void halfPrecision_mustBeRaw(OipDatatype type) {
        assertBadRequest(
                () -> raw(type, 1, InferTensorContents.getDefaultInstance()),
                "tensor 'x' is "
                        + type
                        + ", which has no typed contents; send it in raw_input_contents");
        assertThat(GrpcContents.hasTypedContents(type)).isFalse();
    }

    @ParameterizedTest
    @EnumSource(
            value = OipDatatype.class,
            names = {"FP16", "BF16"},
            mode = EnumSource.Mode.EXCLUDE)
    void everyOtherType_hasTypedContents_andEmptyMeansNoElements(OipDatatype type) {
        assertThat(GrpcContents.hasTypedContents(type)).isTrue();
        assertThat(raw(type, 0, InferTensorContents.getDefaultInstance())).isEmpty();
        assertThat(GrpcContents.isEmpty(GrpcContents.toContents(type, new byte[0]))).isTrue();
    }

    private static void assertBadRequest(Runnable call, String message) {
        assertThatThrownBy(call::run)
                .isInstanceOfSatisfying(
                        OipException.class,
                        e -> assertThat(e.kind()).isEqualTo(OipException.Kind.BAD_REQUEST))
                .hasMessageContaining(message);
    }
}
