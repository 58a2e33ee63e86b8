package dev.maas.server;

import ai.djl.ndarray.types.DataType;
import java.util.Locale;

/**
 * The tensor data types of the Open Inference Protocol v2, with their size on the wire and the DJL
 * type each maps to. Raw tensor bytes are little-endian, as the protocol's binary data extension
 * and gRPC's {@code raw_input_contents} carry them; a {@link #BYTES} element is a 4-byte
 * little-endian length followed by that many bytes.
 */
enum OipDatatype {
    BOOL(1, DataType.BOOLEAN),
    UINT8(1, DataType.UINT8),
    UINT16(2, DataType.UINT16),
    UINT32(4, DataType.UINT32),
    UINT64(8, DataType.UINT64),
    INT8(1, DataType.INT8),
    INT16(2, DataType.INT16),
    INT32(4, DataType.INT32),
    INT64(8, DataType.INT64),
    FP16(2, DataType.FLOAT16),
    FP32(4, DataType.FLOAT32),
    FP64(8, DataType.FLOAT64),
    BF16(2, DataType.BFLOAT16),
    BYTES(-1, DataType.STRING);

    private final int size;
    private final DataType djl;

    OipDatatype(int size, DataType djl) {
        this.size = size;
        this.djl = djl;
    }

    /** Returns the bytes of one element, or -1 for {@link #BYTES} (variable length). */
    int size() {
        return size;
    }

    /** Returns the DJL data type this maps to. */
    DataType djl() {
        return djl;
    }

    /** Returns the protocol's name of this type, such as {@code FP32}. */
    String wireName() {
        return name();
    }

    /**
     * Returns the type the protocol calls {@code name}.
     *
     * @throws OipException (bad request) naming the accepted types if {@code name} is none
     */
    static OipDatatype parse(String name) {
        if (name != null) {
            try {
                return valueOf(name.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                // fall through to the message
            }
        }
        throw OipException.badRequest(
                "unknown datatype '"
                        + name
                        + "': expected one of BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16,"
                        + " INT32, INT64, FP16, FP32, FP64, BF16, BYTES");
    }

    /**
     * Returns the protocol's type for a DJL type.
     *
     * @throws OipException (internal) for a type the protocol cannot carry
     */
    static OipDatatype of(DataType type) {
        for (OipDatatype t : values()) {
            if (t.djl == type) {
                return t;
            }
        }
        throw new OipException(
                OipException.Kind.INTERNAL,
                "data type " + type + " has no Open Inference Protocol equivalent");
    }
}
