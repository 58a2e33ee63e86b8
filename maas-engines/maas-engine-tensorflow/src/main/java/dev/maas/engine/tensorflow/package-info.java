/**
 * TensorFlow backend for maas: serves TensorFlow SavedModels through DJL's TensorFlow engine.
 *
 * <p>Adding {@code dev.maas:maas-engine-tensorflow} to the class path is all it takes: the backend
 * registers itself through {@code META-INF/services/dev.maas.spi.EngineBackend}. A model version is
 * recognised as a SavedModel ({@code engine "TensorFlow"}, format {@code "savedmodel"}) when {@code
 * saved_model.pb} lies at the top of its files, next to its {@code variables/} folder. The {@code
 * serving_default} signature is used; inputs are matched to the signature's inputs by {@link
 * ai.djl.ndarray.NDArray#setName(String) NDArray name}, so name them as in the signature (and in
 * the card's {@link dev.maas.TensorSpec}s).
 *
 * <h2>Natives, offline</h2>
 *
 * DJL 0.35.1 runs TensorFlow 2.16.1 and would download its libraries on first use. This module
 * instead depends on {@code org.tensorflow:tensorflow-core-native:1.0.0-rc.1} with the platform
 * classifier (a 150 MB jar holding TensorFlow 2.16.1). Before the engine first starts, the backend
 *
 * <ol>
 *   <li>finds {@code org/tensorflow/internal/c_api/<platform>/} on the class path, preferring
 *       {@code <platform>-gpu} when that jar is present;
 *   <li>copies the libraries in it ({@code libjnitensorflow}, {@code libtensorflow_cc}, {@code
 *       libtensorflow_framework}; about 630 MB on linux-x86_64) once into {@code <DJL engine
 *       cache>/maas/tensorflow-core-native-<version>-<platform>-<fingerprint>/}, where the cache is
 *       {@code ~/.djl.ai} unless {@code ENGINE_CACHE_DIR} or {@code DJL_CACHE_DIR} say otherwise.
 *       The copy is written to a temporary folder and renamed into place under a file lock, so
 *       concurrent threads and processes sharing the cache extract it once and never see half a
 *       copy; an incomplete copy is detected by file sizes and replaced;
 *   <li>sets the system property {@code TENSORFLOW_LIBRARY_PATH} to that folder, where DJL looks
 *       before it would download anything.
 * </ol>
 *
 * A user who sets {@code TENSORFLOW_LIBRARY_PATH} (system property or environment variable) keeps
 * full control: nothing is extracted and the libraries in that folder are used. The TensorFlow Java
 * layer (JavaCPP) additionally copies {@code libjnitensorflow} and {@code libtensorflow_framework}
 * (about 50 MB) into {@code ~/.javacpp/cache} on first use. TensorFlow's own C++ logging goes to
 * standard error; set the environment variable {@code TF_CPP_MIN_LOG_LEVEL=2} to keep only errors.
 *
 * <h2>Other platforms and GPUs</h2>
 *
 * The natives jar follows the build machine's platform ({@code linux-x86_64}, {@code macosx-arm64},
 * {@code macosx-x86_64}, {@code windows-x86_64}); TensorFlow publishes none for Linux on ARM. To
 * deploy elsewhere, or to run on NVIDIA GPUs, exclude the bundled one and declare the one you need:
 *
 * <pre>{@code
 * <dependency>
 *   <groupId>org.tensorflow</groupId>
 *   <artifactId>tensorflow-core-native</artifactId>
 *   <version>1.0.0-rc.1</version>
 *   <classifier>linux-x86_64-gpu</classifier>
 * </dependency>
 * }</pre>
 *
 * The GPU flavour needs the CUDA 12 and cuDNN 8 libraries that TensorFlow 2.16 was built with;
 * TensorFlow then places the graph's operations on the visible GPUs, and {@link
 * dev.maas.EngineOptions#device()} (for example {@code Device.gpu()}) sets where DJL keeps the
 * model's arrays. The GPU build was not tried on this project's machines. If the natives for the
 * platform are missing, loading a model fails with an {@link dev.maas.EngineUnavailableException}
 * that names the artifact to add.
 *
 * <h2>Engine options</h2>
 *
 * {@link dev.maas.EngineOptions#INTER_OP_THREADS} and {@link
 * dev.maas.EngineOptions#INTRA_OP_THREADS} size the session's thread pools (0 lets TensorFlow
 * decide); {@link dev.maas.EngineOptions#GRAPH_OPTIMIZER} {@code false} turns off graph
 * optimization. They apply per model, as the session's {@code ConfigProto}. Other options go to DJL
 * unchanged, such as {@code Tags} (default {@code serve}), {@code SignatureDefKey} (default {@code
 * serving_default}) and a Base64 {@code ConfigProto} of your own.
 */
package dev.maas.engine.tensorflow;
