package dev.maas.recommend.retrieval;

/**
 * The scoring loop an {@link EmbeddingIndex} runs. All kernels return the same items for the same
 * query, up to float rounding of near-equal scores; they differ in speed and requirements.
 */
public enum Kernel {
    /**
     * Picks the fastest kernel available in this JVM: {@link #VECTOR} when the Vector API is
     * present and the CPU has 256-bit or wider vectors, otherwise {@link #SCALAR}.
     */
    AUTO,
    /** A plain Java loop over row-major item vectors; runs everywhere. */
    SCALAR,
    /**
     * SIMD loop written with the Java Vector API over a column-blocked layout, with vectorised
     * threshold tests for the top-K selection. Needs the JVM flag {@code --add-modules
     * jdk.incubator.vector} and a CPU with 256-bit (AVX2) or 512-bit (AVX-512) vectors.
     */
    VECTOR,
    /**
     * DJL {@code matMul} plus {@code topK} on the PyTorch engine (libtorch), with the item matrix
     * held in native memory. Float32 only; the index must be {@linkplain EmbeddingIndex#close()
     * closed} to free the native memory.
     */
    DJL
}
