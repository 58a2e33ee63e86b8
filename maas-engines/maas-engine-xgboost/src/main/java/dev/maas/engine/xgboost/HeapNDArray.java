package dev.maas.engine.xgboost;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrayAdapter;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * An array whose values live in a heap buffer: all that serving a tree model needs (build from
 * bytes, read back as bytes). Other operations go to the alternative engine when one is on the
 * class path, as {@link NDArrayAdapter} does, and fail otherwise. Not thread-safe, like every
 * NDArray.
 */
final class HeapNDArray extends NDArrayAdapter {
    private ByteBuffer data;

    HeapNDArray(
            NDManager manager, NDManager alternative, ByteBuffer data, Shape shape, DataType type) {
        super(manager, alternative, shape, type, NDManager.nextUid());
        this.data = data;
        manager.attachInternal(uid, this);
    }

    @Override
    public ByteBuffer toByteBuffer(boolean tryDirect) {
        ByteBuffer view = data.duplicate().order(ByteOrder.nativeOrder());
        view.rewind();
        return view;
    }

    @Override
    public void intern(NDArray replaced) {
        if (!(replaced instanceof HeapNDArray other)) {
            throw new IllegalArgumentException("cannot intern a " + replaced.getClass().getName());
        }
        this.data = other.data;
        this.shape = other.shape;
        this.dataType = other.dataType;
    }

    @Override
    public void detach() {
        manager.detachInternal(getUid());
        manager = HeapNDManager.system();
    }

    @Override
    public void close() {
        if (!isClosed) {
            manager.detachInternal(getUid());
            data = null;
        }
        super.close();
    }
}
