package dev.maas.client;

/**
 * The tensor datatypes of the Open Inference Protocol v2, with the size of one element in bytes
 * ({@code -1} for {@link #BYTES}, whose elements each carry their length).
 */
public enum Datatype {
    BOOL(1),
    UINT8(1),
    UINT16(2),
    UINT32(4),
    UINT64(8),
    INT8(1),
    INT16(2),
    INT32(4),
    INT64(8),
    FP16(2),
    FP32(4),
    FP64(8),
    BF16(2),
    BYTES(-1);

    private final int size;

    Datatype(int size) {
        this.size = size;
    }

    /** Returns the bytes of one element, or -1 for {@link #BYTES}. */
    public int size() {
        return size;
    }
}
