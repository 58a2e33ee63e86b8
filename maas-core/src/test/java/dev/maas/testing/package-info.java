/**
 * Test fixtures shared through maas-core's test-jar: real small models built in the test and the
 * plain-Java math to check them, and the contract every model repository must meet.
 *
 * <ul>
 *   <li>{@link dev.maas.testing.ModelRepositoryContract}: one abstract JUnit suite for any {@link
 *       dev.maas.repository.ModelRepository}; each implementation's tests extend it and say how to
 *       open a fresh repository.
 *   <li>{@link dev.maas.testing.DenseModel}: {@code relu(x · W + b)}, written as an ONNX graph
 *       ({@link dev.maas.testing.OnnxModelWriter}, protobuf encoded by hand) or as a TorchScript
 *       archive ({@link dev.maas.testing.TorchScriptWriter}, zip + pickle + TorchScript source);
 *       neither needs an engine to write.
 *   <li>{@link dev.maas.testing.MlpModel}: a DJL-native {@code Linear -> ReLU -> Linear} block
 *       saved as {@code .params}, rebuilt at load time by {@link dev.maas.testing.MlpBlockFactory};
 *       saving needs PyTorch on the test class path.
 *   <li>{@link dev.maas.testing.ReferenceMath} and {@link dev.maas.testing.FloatAssertions}: the
 *       independent forward passes and the float comparison (1e-5).
 *   <li>{@link dev.maas.testing.MatrixTranslator}: a typed translator (float matrix in and out)
 *       that also exposes the model it ran for; {@link dev.maas.testing.NdResources}: counts what
 *       an {@code NDManager} tree holds, for leak checks.
 * </ul>
 *
 * <p>Compiled against DJL's API only, so any module's tests can use them with whichever engine they
 * put on their class path.
 */
package dev.maas.testing;
