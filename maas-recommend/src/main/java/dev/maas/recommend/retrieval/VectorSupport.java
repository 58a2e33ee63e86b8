package dev.maas.recommend.retrieval;

import java.lang.reflect.InvocationTargetException;

/**
 * Finds out once whether {@link VectorKernel} can run in this JVM, and creates it reflectively so
 * that no other class links against {@code jdk.incubator.vector} (which would fail with {@link
 * NoClassDefFoundError} when the JVM was started without {@code --add-modules
 * jdk.incubator.vector}).
 */
final class VectorSupport {
    private static final String MODULE = "jdk.incubator.vector";
    private static final String KERNEL = "dev.maas.recommend.retrieval.VectorKernel";
    private static final String UNAVAILABLE = probe();

    private VectorSupport() {}

    /** Returns whether {@link Kernel#VECTOR} can be used. */
    static boolean available() {
        return UNAVAILABLE == null;
    }

    /** Returns why {@link Kernel#VECTOR} cannot be used, or null if it can. */
    static String unavailableReason() {
        return UNAVAILABLE;
    }

    /** Float lanes of the vector kernel, or 0 when it is unavailable. */
    static int lanes() {
        if (!available()) {
            return 0;
        }
        try {
            return (Integer) Class.forName(KERNEL).getDeclaredMethod("lanes").invoke(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String probe() {
        if (ModuleLayer.boot().findModule(MODULE).isEmpty()) {
            return "the JVM was started without --add-modules " + MODULE;
        }
        try {
            Object reason =
                    Class.forName(KERNEL).getDeclaredMethod("unsupportedReason").invoke(null);
            return (String) reason;
        } catch (ReflectiveOperationException | LinkageError e) {
            return "the Vector API could not be loaded: " + e;
        }
    }

    /** Creates the vector kernel; only call when {@link #available()}. */
    static TopKKernel create(
            float[] items,
            int n,
            int d,
            float[] bias,
            Precision precision,
            boolean quantizeQueries) {
        try {
            return (TopKKernel)
                    Class.forName(KERNEL)
                            .getDeclaredConstructor(
                                    float[].class,
                                    int.class,
                                    int.class,
                                    float[].class,
                                    Precision.class,
                                    boolean.class)
                            .newInstance(items, n, d, bias, precision, quantizeQueries);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            if (cause instanceof Error) {
                throw (Error) cause;
            }
            throw new IllegalStateException("cannot create the vector kernel", cause);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot create the vector kernel", e);
        }
    }
}
