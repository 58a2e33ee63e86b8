package dev.maas.server;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

/** Seeded tensors of every datatype, with the edge values of each (extremes, -0.0, infinities). */
final class RandomTensors {
    private RandomTensors() {}

    static InferTensor of(String name, OipDatatype type, long rows, long cols, Random random) {
        int n = (int) (rows * cols);
        ByteBuffer b = ByteBuffer.allocate(n * type.size()).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            switch (type) {
                case BOOL -> b.put((byte) (random.nextBoolean() ? 1 : 0));
                case UINT8, INT8 ->
                        b.put(
                                i == 0
                                        ? (byte) 0x80
                                        : i == 1 ? (byte) 0x7F : (byte) random.nextInt());
                case UINT16, INT16 ->
                        b.putShort(i == 0 ? Short.MIN_VALUE : (short) random.nextInt());
                case UINT32, INT32 -> b.putInt(i == 0 ? Integer.MIN_VALUE : random.nextInt());
                case UINT64, INT64 ->
                        b.putLong(
                                i == 0
                                        ? Long.MIN_VALUE
                                        : i == 1 ? Long.MAX_VALUE : random.nextLong());
                case FP16 -> b.putShort(Halfs.toHalf(edge(i, random.nextGaussian() * 100)));
                case BF16 -> b.putShort(Halfs.toBfloat16(edge(i, random.nextGaussian() * 1e6)));
                case FP32 -> b.putFloat((float) edge(i, random.nextGaussian() * 1e3));
                case FP64 -> b.putDouble(edge(i, random.nextGaussian() * 1e12));
                default -> throw new IllegalArgumentException(type.toString());
            }
        }
        return new InferTensor(name, type, new long[] {rows, cols}, b.array());
    }

    private static double edge(int i, double otherwise) {
        return switch (i) {
            case 0 -> -0.0;
            case 1 -> Double.POSITIVE_INFINITY;
            case 2 -> Double.NEGATIVE_INFINITY;
            case 3 -> 1e-7; // a subnormal in FP16
            default -> otherwise;
        };
    }
}
