/**
 * The ONNX Runtime engine backend: {@code .onnx} models run by Microsoft's ONNX Runtime through
 * DJL. Adding the {@code dev.maas:maas-engine-onnxruntime} artifact is all it takes: {@link
 * dev.maas.engine.onnxruntime.OnnxRuntimeBackend} registers itself with {@link
 * java.util.ServiceLoader}.
 *
 * <h2>Natives</h2>
 *
 * <p>{@code ai.djl.onnxruntime:onnxruntime-engine} depends on {@code
 * com.microsoft.onnxruntime:onnxruntime:1.21.1}, whose jar carries the CPU libraries for Linux,
 * macOS and Windows and loads them itself: the first run works offline, with nothing downloaded.
 *
 * <h2>GPU</h2>
 *
 * <p>No code changes: exclude {@code com.microsoft.onnxruntime:onnxruntime} from {@code
 * maas-engine-onnxruntime} and add {@code com.microsoft.onnxruntime:onnxruntime_gpu:1.21.1} (Linux
 * and Windows, CUDA 12 with cuDNN 9 installed on the machine):
 *
 * <pre>{@code
 * <dependency>
 *   <groupId>dev.maas</groupId>
 *   <artifactId>maas-engine-onnxruntime</artifactId>
 *   <exclusions>
 *     <exclusion>
 *       <groupId>com.microsoft.onnxruntime</groupId>
 *       <artifactId>onnxruntime</artifactId>
 *     </exclusion>
 *   </exclusions>
 * </dependency>
 * <dependency>
 *   <groupId>com.microsoft.onnxruntime</groupId>
 *   <artifactId>onnxruntime_gpu</artifactId>
 *   <version>1.21.1</version>
 * </dependency>
 * }</pre>
 *
 * <p>Models then run on the device set with {@link
 * dev.maas.EngineOptions#withDevice(ai.djl.Device)}, such as {@code Device.gpu(0)} (DJL adds the
 * CUDA execution provider for it); the pass-through option {@code ortDevice=TensorRT} selects
 * TensorRT where it is installed.
 *
 * <h2>Options</h2>
 *
 * <p>Thread counts and the graph optimizer are per-model session options, see {@link
 * dev.maas.engine.onnxruntime.OnnxRuntimeBackend}.
 */
package dev.maas.engine.onnxruntime;
