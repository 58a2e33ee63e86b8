package dev.maas.benchmarks;

import ai.djl.Device;
import ai.djl.engine.Engine;

/**
 * The {@code device} parameter of the benchmarks: {@code cpu} or {@code gpu}, as DJL {@link
 * Device}s. Its {@link #main} prints how many GPUs DJL's PyTorch engine sees, so that a runner asks
 * for GPU cases only when there is one. Stateless and thread-safe.
 */
public final class Devices {
    private Devices() {}

    /**
     * Returns the device named {@code name}.
     *
     * @throws IllegalArgumentException if the name is neither {@code cpu} nor {@code gpu}
     * @throws IllegalStateException if {@code gpu} is asked for and DJL sees no GPU
     */
    static Device resolve(String name) {
        switch (name) {
            case "cpu":
                return Device.cpu();
            case "gpu":
                int gpus = gpuCount();
                if (gpus == 0) {
                    throw new IllegalStateException(
                            "device=gpu was asked for, but DJL's PyTorch engine sees no GPU (this"
                                    + " jar carries CPU natives, or no CUDA device and driver are"
                                    + " present): GPU cases are skipped; run without -p device=gpu,"
                                    + " or build with CUDA natives as the README's GPU section"
                                    + " says");
                }
                return Device.gpu();
            default:
                throw new IllegalArgumentException("device must be cpu or gpu, was " + name);
        }
    }

    /** Returns how many GPUs DJL's PyTorch engine sees. */
    static int gpuCount() {
        return Engine.getEngine("PyTorch").getGpuCount();
    }

    /** Prints {@code gpus=<n>}: how many GPUs DJL's PyTorch engine sees. */
    public static void main(String[] args) {
        System.out.println("gpus=" + gpuCount());
    }
}
