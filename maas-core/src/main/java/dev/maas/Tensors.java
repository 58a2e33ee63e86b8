package dev.maas;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Moves tensors between callers and workers as plain bytes.
 *
 * <p>Why bytes: an {@link NDArray} belongs to an {@link NDManager}, and managers are not meant to
 * be shared between threads that close them independently. A caller's arrays are therefore read
 * once, on the caller's thread, into heap buffers ({@link #extract}); a worker builds each batch
 * from those bytes in a sub-manager of the model's manager that it closes after the batch ({@link
 * #assemble}); it copies the outputs out before closing ({@link #split}); and each caller's rows
 * become arrays of the caller's own manager ({@link #materialize}), on the thread that receives the
 * result. No array ever crosses threads, nothing is attached to the model's (or a static) manager,
 * and inputs and outputs may live on different engines.
 */
final class Tensors {
    private Tensors() {}

    /**
     * One tensor as bytes. The buffer is never modified once made; readers take a {@link
     * ByteBuffer#duplicate()}.
     */
    record Tensor(String name, DataType type, Shape shape, ByteBuffer data) {}

    /** What decides whether two calls can share a batch: everything but the batch dimension. */
    record Part(String name, DataType type, Shape tail) {}

    /**
     * The inputs of one call.
     *
     * @param tensors the input tensors
     * @param rows the call's rows along dimension 0 (1 when the model does not batch)
     * @param key calls with equal keys can be concatenated
     */
    record Input(List<Tensor> tensors, int rows, Object key) {}

    /**
     * Copies a call's inputs out of the caller's arrays; runs on the caller's thread.
     *
     * @param batchable whether the model batches (dimension 0 is then the batch)
     * @throws InvalidInputException for string tensors, which cannot be carried as bytes
     */
    static Input extract(ModelCard card, NDList list, boolean batchable) {
        List<Tensor> tensors = new ArrayList<>(list.size());
        List<Part> key = new ArrayList<>(list.size());
        long rows = -1;
        boolean sameRows = true;
        for (NDArray a : list) {
            DataType type = a.getDataType();
            if (!carriedAsBytes(type)) {
                throw new InvalidInputException(
                        "model "
                                + card.ref()
                                + " got a "
                                + type.name().toLowerCase(java.util.Locale.ROOT)
                                + " tensor: endpoints take numeric and boolean tensors only;"
                                + " expected signature "
                                + Signatures.describe(card.inputs()));
            }
            Shape shape = a.getShape();
            ByteBuffer data = a.toByteBuffer();
            if (data.isDirect()) {
                // Engines may return a view of native memory: keep a copy of our own.
                ByteBuffer copy = ByteBuffer.allocate(data.remaining()).order(data.order());
                copy.put(data).flip();
                data = copy;
            }
            tensors.add(new Tensor(a.getName(), type, shape, data));
            if (batchable) {
                long r = shape.get(0);
                sameRows &= rows < 0 || r == rows;
                rows = r;
                key.add(new Part(a.getName(), type, shape.slice(1)));
            }
        }
        if (!batchable) {
            return new Input(List.copyOf(tensors), 1, new Object());
        }
        if (!sameRows || rows > Integer.MAX_VALUE) {
            // Inputs disagree on the batch dimension: run alone, as given.
            return new Input(List.copyOf(tensors), 1, new Object());
        }
        return new Input(List.copyOf(tensors), (int) rows, List.copyOf(key));
    }

    /**
     * Returns an input of zeros shaped by {@code specs}, with {@code rows} as batch dimension
     * ({@code -1} elsewhere becomes 1), for warm-up; empty when a type cannot be made.
     */
    static java.util.Optional<Input> zeros(List<TensorSpec> specs, int rows, boolean batchable) {
        List<Tensor> tensors = new ArrayList<>(specs.size());
        for (TensorSpec spec : specs) {
            if (!carriedAsBytes(spec.dataType())) {
                return java.util.Optional.empty();
            }
            long[] dims = spec.shape().getShape().clone();
            for (int i = 0; i < dims.length; i++) {
                if (dims[i] == -1) {
                    dims[i] = 1;
                }
            }
            if (batchable && dims.length > 0) {
                dims[0] = rows;
            }
            Shape shape = new Shape(dims);
            long bytes = shape.size() * spec.dataType().getNumOfBytes();
            if (bytes > Integer.MAX_VALUE) {
                return java.util.Optional.empty();
            }
            ByteBuffer data = ByteBuffer.allocate((int) bytes).order(ByteOrder.nativeOrder());
            tensors.add(new Tensor(spec.name(), spec.dataType(), shape, data));
        }
        return java.util.Optional.of(new Input(List.copyOf(tensors), rows, new Object()));
    }

    /**
     * Reusable direct buffers of one worker, one per input position. A batch's arrays may wrap them
     * without copying, so a buffer is reused only after that batch's manager is closed.
     */
    static final class Scratch {
        private ByteBuffer[] buffers = new ByteBuffer[0];

        ByteBuffer get(int index, int bytes) {
            if (index >= buffers.length) {
                buffers = java.util.Arrays.copyOf(buffers, index + 1);
            }
            ByteBuffer b = buffers[index];
            if (b == null || b.capacity() < bytes) {
                int cap =
                        Math.max(
                                bytes,
                                b == null
                                        ? 256
                                        : Math.min(Integer.MAX_VALUE / 2, b.capacity()) * 2);
                b = ByteBuffer.allocateDirect(cap).order(ByteOrder.nativeOrder());
                buffers[index] = b;
            }
            b.clear();
            return b;
        }
    }

    /**
     * Concatenates the bytes of input {@code index} of every call into {@code target} (position 0,
     * limit at the end of the data). Pure byte work, separate from {@link #assemble} for tests.
     */
    static ByteBuffer concat(List<Input> calls, int index, ByteBuffer target) {
        for (Input call : calls) {
            target.put(call.tensors().get(index).data().duplicate().rewind());
        }
        return target.flip();
    }

    /** Returns the byte size of input {@code index} over all calls. */
    static int bytes(List<Input> calls, int index) {
        long total = 0;
        for (Input call : calls) {
            total += call.tensors().get(index).data().capacity();
        }
        if (total > Integer.MAX_VALUE) {
            throw new InvalidInputException(
                    "batch input " + index + " exceeds 2 GiB (" + total + " bytes)");
        }
        return (int) total;
    }

    /**
     * Builds the batch: each input position concatenated along dimension 0 over all calls, as
     * arrays of {@code manager} (one call: its tensors as they are).
     */
    static NDList assemble(NDManager manager, List<Input> calls, Scratch scratch) {
        Input first = calls.get(0);
        int n = first.tensors().size();
        NDList batch = new NDList(n);
        for (int i = 0; i < n; i++) {
            Tensor t = first.tensors().get(i);
            Shape shape = t.shape();
            if (calls.size() > 1) {
                long rows = 0;
                for (Input call : calls) {
                    rows += call.tensors().get(i).shape().get(0);
                }
                shape = batchShape(rows, t.shape());
            }
            ByteBuffer data = concat(calls, i, scratch.get(i, bytes(calls, i)));
            NDArray array = manager.create(data, shape, t.type());
            if (t.name() != null) {
                array.setName(t.name());
            }
            batch.add(array);
        }
        return batch;
    }

    private static Shape batchShape(long rows, Shape one) {
        long[] dims = one.getShape().clone();
        dims[0] = rows;
        return new Shape(dims);
    }

    /** Thrown when an output cannot be split into the calls' rows. */
    static final class SplitException extends MaasException {
        private static final long serialVersionUID = 1L;

        SplitException(String message) {
            super(message);
        }
    }

    /**
     * Copies the batch's outputs out of the engine and splits them by the calls' rows; returns each
     * call's output tensors, in call order. Must run before the batch's manager is closed.
     *
     * @throws SplitException if an output's first dimension is not the batch's total rows
     */
    static List<List<Tensor>> split(ModelCard card, NDList outputs, List<Input> calls) {
        int totalRows = 0;
        for (Input call : calls) {
            totalRows += call.rows();
        }
        List<List<Tensor>> perCall = new ArrayList<>(calls.size());
        for (int c = 0; c < calls.size(); c++) {
            perCall.add(new ArrayList<>(outputs.size()));
        }
        for (int j = 0; j < outputs.size(); j++) {
            NDArray out = outputs.get(j);
            DataType type = checkOutput(card, out);
            Shape shape = out.getShape();
            if (calls.size() > 1 && (shape.dimension() == 0 || shape.get(0) != totalRows)) {
                throw new SplitException(
                        "model "
                                + card.ref()
                                + " returned output "
                                + j
                                + " of shape "
                                + shape
                                + " for a batch of "
                                + totalRows
                                + " rows: its first dimension must be the batch; set card"
                                + " property "
                                + ServingOptions.BATCHING
                                + "=false for models whose outputs do not follow it");
            }
            ByteBuffer all = copyOut(out);
            if (calls.size() == 1) {
                perCall.get(0).add(new Tensor(out.getName(), type, shape, all));
                continue;
            }
            List<ByteBuffer> slices = slice(all, calls, totalRows);
            for (int c = 0; c < calls.size(); c++) {
                perCall.get(c)
                        .add(
                                new Tensor(
                                        out.getName(),
                                        type,
                                        batchShape(calls.get(c).rows(), shape),
                                        slices.get(c)));
            }
        }
        return perCall;
    }

    /** Whether tensors of {@code type} are served: numeric and boolean ones, not strings. */
    private static boolean carriedAsBytes(DataType type) {
        return type != DataType.STRING && type != DataType.UNKNOWN;
    }

    private static DataType checkOutput(ModelCard card, NDArray out) {
        DataType type = out.getDataType();
        if (!carriedAsBytes(type)) {
            throw new MaasException(
                    "model "
                            + card.ref()
                            + " returned a "
                            + type.name().toLowerCase(java.util.Locale.ROOT)
                            + " output: endpoints return numeric and boolean tensors only");
        }
        return type;
    }

    /**
     * Returns whether a call's arrays can go to a predictor of {@code model} as they are: all
     * numeric or boolean, made by a manager of the model's engine on the model's device.
     */
    static boolean local(NDList list, NDManager model) {
        for (NDArray a : list) {
            NDManager m = a.getManager();
            if (m.getEngine() != model.getEngine()
                    || !m.getDevice().equals(model.getDevice())
                    || !carriedAsBytes(a.getDataType())) {
                return false;
            }
        }
        return true;
    }

    /** The rows a call brings along dimension 0 (1 when the model does not batch). */
    static int rows(NDList list, boolean batchable) {
        Shape shape = list.head().getShape();
        return batchable && shape.dimension() > 0 ? (int) Math.min(shape.get(0), 1 << 30) : 1;
    }

    /**
     * Makes the outputs of a run on the caller's own arrays ({@code inputs}) arrays of the caller's
     * {@code manager}; an output that is one of the inputs is copied, so that each stays the
     * caller's to close.
     */
    static NDList adopt(ModelCard card, NDList outputs, NDList inputs, NDManager manager) {
        NDList list = new NDList(outputs.size());
        for (NDArray out : outputs) {
            checkOutput(card, out);
            NDArray a = out;
            for (NDArray in : inputs) {
                if (in == out) {
                    a = out.duplicate();
                    a.setName(out.getName());
                    break;
                }
            }
            if (a.getManager() != manager) {
                a.attach(manager);
            }
            list.add(a);
        }
        return list;
    }

    /** Splits {@code all} (rows of equal size) into one slice per call, by the calls' rows. */
    static List<ByteBuffer> slice(ByteBuffer all, List<Input> calls, int totalRows) {
        List<ByteBuffer> slices = new ArrayList<>(calls.size());
        int rowBytes = totalRows == 0 ? 0 : all.remaining() / totalRows;
        int offset = 0;
        for (Input call : calls) {
            int len = call.rows() * rowBytes;
            slices.add(all.slice(offset, len).order(all.order()));
            offset += len;
        }
        return slices;
    }

    private static ByteBuffer copyOut(NDArray out) {
        ByteBuffer src = out.toByteBuffer(true);
        ByteBuffer copy = ByteBuffer.allocateDirect(src.remaining()).order(ByteOrder.nativeOrder());
        copy.put(src.duplicate().order(src.order())).flip();
        return copy;
    }

    /**
     * Makes a call's outputs into arrays of {@code manager}; runs on the thread that receives the
     * result. The arrays may share memory with the buffers, which they keep alive.
     */
    static NDList materialize(List<Tensor> outputs, NDManager manager) {
        NDList list = new NDList(outputs.size());
        try {
            for (Tensor t : outputs) {
                NDArray a =
                        manager.create(
                                t.data().duplicate().order(t.data().order()), t.shape(), t.type());
                if (t.name() != null) {
                    a.setName(t.name());
                }
                list.add(a);
            }
        } catch (RuntimeException e) {
            list.close();
            throw e;
        }
        return list;
    }
}
