/**
 * The PyTorch engine backend: TorchScript archives and DJL-native models, run by libtorch through
 * DJL. Adding the {@code dev.maas:maas-engine-pytorch} artifact is all it takes: {@link
 * dev.maas.engine.pytorch.PyTorchBackend} registers itself with {@link java.util.ServiceLoader}.
 *
 * <h2>Natives</h2>
 *
 * <p>The module depends on {@code ai.djl.pytorch:pytorch-jni} and on the CPU build of libtorch,
 * {@code ai.djl.pytorch:pytorch-native-cpu:2.7.1} with the classifier of the build machine ({@code
 * linux-x86_64}, {@code linux-aarch64}, {@code osx-aarch64} or {@code win-x86_64}). DJL finds the
 * bundled libraries on the class path and extracts them once into its cache folder ({@code
 * ~/.djl.ai}, or {@code DJL_CACHE_DIR}), so the first run works without network access; run with
 * {@code -Dai.djl.offline=true} to make sure DJL never tries to download anything.
 *
 * <h2>GPU</h2>
 *
 * <p>No code changes: swap the native artifact in the application's build. Exclude {@code
 * ai.djl.pytorch:pytorch-native-cpu} from {@code maas-engine-pytorch} and add the CUDA 12.8 build
 * of the same libtorch version, {@code ai.djl.pytorch:pytorch-native-cu128:2.7.1} with classifier
 * {@code linux-x86_64} (or {@code win-x86_64}):
 *
 * <pre>{@code
 * <dependency>
 *   <groupId>dev.maas</groupId>
 *   <artifactId>maas-engine-pytorch</artifactId>
 *   <exclusions>
 *     <exclusion>
 *       <groupId>ai.djl.pytorch</groupId>
 *       <artifactId>pytorch-native-cpu</artifactId>
 *     </exclusion>
 *   </exclusions>
 * </dependency>
 * <dependency>
 *   <groupId>ai.djl.pytorch</groupId>
 *   <artifactId>pytorch-native-cu128</artifactId>
 *   <classifier>linux-x86_64</classifier>
 *   <version>2.7.1</version>
 *   <scope>runtime</scope>
 * </dependency>
 * }</pre>
 *
 * <p>The machine needs an NVIDIA driver that supports CUDA 12.8. Models then run on the device set
 * with {@link dev.maas.EngineOptions#withDevice(ai.djl.Device)}, such as {@code Device.gpu(0)}; the
 * engine's default device is the first GPU when one is present. Keep exactly one native artifact on
 * the class path.
 *
 * <h2>Options</h2>
 *
 * <p>Thread pools are sized once per process, when the first model starts the engine ({@link
 * dev.maas.EngineOptions#INTER_OP_THREADS}, {@link dev.maas.EngineOptions#INTRA_OP_THREADS});
 * TorchScript's graph optimizer can be switched per model ({@link
 * dev.maas.EngineOptions#GRAPH_OPTIMIZER}). See {@link dev.maas.engine.pytorch.PyTorchBackend}.
 */
package dev.maas.engine.pytorch;
