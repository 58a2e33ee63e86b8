package dev.maas.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The JSON form of every datatype, those no engine here serves included (UINT16, UINT32, UINT64,
 * INT16, BF16, BYTES): each survives raw bytes -> JSON text -> raw bytes unchanged, and a value
 * outside its type is refused with a message that names it.
 */
class JsonTensorsTest {
    @ParameterizedTest
    @EnumSource(value = OipDatatype.class, names = "BYTES", mode = EnumSource.Mode.EXCLUDE)
    void roundTrip_throughJsonText_isBitExact(OipDatatype type) {
        InferTensor t = RandomTensors.of("t", type, 4, 5, new Random(type.ordinal()));
        String text = JsonTensors.toJson(t).toString();
        InferTensor back = JsonTensors.fromJson("t", type, t.shape(), JsonParser.parseString(text));
        assertThat(back.rawView()).as(text).isEqualTo(t.rawView());
    }

    @Test
    void bytes_areUtf8StringsWithLengths() {
        JsonElement data = JsonParser.parseString("[\"\", \"h\\u00e9\", \"abc\"]");
        InferTensor t = JsonTensors.fromJson("s", OipDatatype.BYTES, new long[] {3}, data);
        ByteBuffer b = ByteBuffer.wrap(t.rawView()).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.getInt()).isZero();
        assertThat(b.getInt()).isEqualTo(3); // 'h' and two bytes of 'é'
        assertThat(JsonTensors.toJson(t)).isEqualTo(data);
    }

    @Test
    void unsigned64_coversItsWholeRange() {
        JsonElement data = JsonParser.parseString("[0, 18446744073709551615]");
        InferTensor t = JsonTensors.fromJson("u", OipDatatype.UINT64, new long[] {2}, data);
        assertThat(ByteBuffer.wrap(t.rawView()).order(ByteOrder.LITTLE_ENDIAN).getLong(8))
                .isEqualTo(-1L);
        assertThat(JsonTensors.toJson(t).toString()).isEqualTo("[0,18446744073709551615]");
    }

    @Test
    void nestedData_isReadRowMajor() {
        JsonElement nested = JsonParser.parseString("[[1, 2, 3], [4, 5, 6]]");
        JsonElement flat = JsonParser.parseString("[1, 2, 3, 4, 5, 6]");
        long[] shape = {2, 3};
        assertThat(JsonTensors.fromJson("n", OipDatatype.INT32, shape, nested))
                .isEqualTo(JsonTensors.fromJson("n", OipDatatype.INT32, shape, flat));
    }

    @Test
    void halfFloats_roundToNearestEven() {
        JsonArray a = new JsonArray();
        a.add(65504);
        a.add(65520); // halfway to the next power: rounds to infinity
        a.add(1.0009765625); // 1 + 2^-10: exact
        a.add(1.00048828125); // 1 + 2^-11: a tie, to even (1.0)
        a.add(5.960464477539063e-8); // 2^-24, the smallest subnormal
        InferTensor t = JsonTensors.fromJson("h", OipDatatype.FP16, new long[] {5}, a);
        ByteBuffer b = ByteBuffer.wrap(t.rawView()).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.getShort()).isEqualTo((short) 0x7BFF);
        assertThat(b.getShort()).isEqualTo((short) 0x7C00);
        assertThat(b.getShort()).isEqualTo((short) 0x3C01);
        assertThat(b.getShort()).isEqualTo((short) 0x3C00);
        assertThat(b.getShort()).isEqualTo((short) 0x0001);
    }

    @Test
    void everyHalf_survivesFloatAndBack() {
        for (int h = 0; h < 0x10000; h++) {
            float f = Halfs.fromHalf((short) h);
            if (Float.isNaN(f)) {
                continue;
            }
            assertThat(Halfs.toHalf(f)).as("0x%04x", h).isEqualTo((short) h);
            assertThat(Halfs.toBfloat16(Halfs.fromBfloat16((short) h)))
                    .as("bf16 0x%04x", h)
                    .isEqualTo((short) h);
        }
    }

    @Test
    void outOfRangeAndWrongKinds_areRefusedByElement() {
        assertThatThrownBy(() -> parse(OipDatatype.INT8, "[1, 128]"))
                .isInstanceOf(OipException.class)
                .hasMessage("input 'v' element 1 is 128, out of the range of INT8 (-128 to 127)");
        assertThatThrownBy(() -> parse(OipDatatype.UINT32, "[-1, 0]"))
                .hasMessageContaining("out of the range of UINT32 (0 to 4294967295)");
        assertThatThrownBy(() -> parse(OipDatatype.INT32, "[1.5, 2]"))
                .hasMessage("input 'v' element 0 is 1.5: expected an integer");
        assertThatThrownBy(() -> parse(OipDatatype.BOOL, "[true, 1]"))
                .hasMessage("input 'v' element 1 is 1: expected true or false");
        assertThatThrownBy(() -> parse(OipDatatype.FP32, "[\"x\", 1]"))
                .hasMessageContaining("element 0 is \"x\": expected a number");
        assertThatThrownBy(() -> parse(OipDatatype.FP32, "[1, 2, 3]"))
                .hasMessage("input 'v' has shape [2] (2 elements) but its data holds 3");
        assertThat(parse(OipDatatype.FP32, "[\"NaN\", \"-Infinity\"]").elementCount()).isEqualTo(2);
    }

    private static InferTensor parse(OipDatatype type, String json) {
        return JsonTensors.fromJson("v", type, new long[] {2}, JsonParser.parseString(json));
    }
}
