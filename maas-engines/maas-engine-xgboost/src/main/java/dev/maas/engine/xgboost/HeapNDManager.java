package dev.maas.engine.xgboost;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The manager of {@link HeapNDArray}s: it can create arrays from data and hand them out, which is
 * what maas's batcher needs around a tree model. Thread-safe as DJL's base manager is.
 */
class HeapNDManager extends BaseNDManager {
    private static final HeapNDManager SYSTEM = new SystemManager();

    private HeapNDManager(NDManager parent, Device device) {
        super(parent, device);
    }

    static HeapNDManager system() {
        return SYSTEM;
    }

    @Override
    public ByteBuffer allocateDirect(int capacity) {
        return ByteBuffer.allocate(capacity).order(ByteOrder.nativeOrder());
    }

    @Override
    public NDArray from(NDArray array) {
        if (array == null || array instanceof HeapNDArray) {
            return array;
        }
        return create(array.toByteBuffer(), array.getShape(), array.getDataType());
    }

    @Override
    public NDArray create(Buffer data, Shape shape, DataType dataType) {
        int size = Math.toIntExact(shape.size() * dataType.getNumOfBytes());
        ByteBuffer copy = ByteBuffer.allocate(size).order(ByteOrder.nativeOrder());
        if (data.remaining() * elementBytes(data) < size) {
            throw new IllegalArgumentException(
                    "buffer holds fewer values than shape " + shape + " of " + dataType + " needs");
        }
        BaseNDManager.copyBuffer(data, copy);
        copy.rewind();
        return new HeapNDArray(this, alternativeManager, copy, shape, dataType);
    }

    private static int elementBytes(Buffer data) {
        if (data instanceof ByteBuffer) {
            return 1;
        } else if (data instanceof java.nio.ShortBuffer || data instanceof java.nio.CharBuffer) {
            return 2;
        } else if (data instanceof java.nio.LongBuffer || data instanceof java.nio.DoubleBuffer) {
            return 8;
        }
        return 4;
    }

    @Override
    public NDManager newSubManager(Device device) {
        HeapNDManager sub = new HeapNDManager(this, device);
        attachInternal(sub.uid, sub);
        return sub;
    }

    @Override
    public Engine getEngine() {
        return Engine.getEngine(XGBoostBackend.ENGINE);
    }

    /** The root: never closed. */
    private static final class SystemManager extends HeapNDManager implements SystemNDManager {
        SystemManager() {
            super(null, null);
        }

        @Override
        public void attachInternal(String resourceId, AutoCloseable... resources) {}

        @Override
        public void detachInternal(String resourceId) {}

        @Override
        public void close() {}
    }
}
