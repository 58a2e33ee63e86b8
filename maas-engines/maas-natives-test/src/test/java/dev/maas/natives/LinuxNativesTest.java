package dev.maas.natives;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The Linux natives each engine needs, x86-64 and aarch64, are resolved by this module's build and
 * hold the libraries for their platform.
 */
class LinuxNativesTest {

    @ParameterizedTest(name = "{0} holds {1}")
    @CsvSource({
        "pytorch-native-cpu-.*-linux-x86_64\\.jar, pytorch/cpu/linux-x86_64/libtorch_cpu.so",
        "pytorch-native-cpu-.*-linux-aarch64\\.jar, pytorch/cpu/linux-aarch64/libtorch_cpu.so",
        "pytorch-jni-.*\\.jar, jnilib/linux-x86_64/cpu/libdjl_torch.so",
        "pytorch-jni-.*\\.jar, jnilib/linux-aarch64/cpu/libdjl_torch.so",
        "onnxruntime-\\d.*\\.jar, ai/onnxruntime/native/linux-x64/libonnxruntime.so",
        "onnxruntime-\\d.*\\.jar, ai/onnxruntime/native/linux-aarch64/libonnxruntime.so",
        "tensorflow-core-native-.*-linux-x86_64\\.jar,"
                + " org/tensorflow/internal/c_api/linux-x86_64/libtensorflow_cc.so.2",
    })
    void nativeJar_holdsLibrary(String jarName, String entry) throws IOException {
        List<String> jars = new ArrayList<>();
        for (URL url : Collections.list(getClass().getClassLoader().getResources(entry))) {
            String location = url.toString();
            int separator = location.indexOf("!/");
            if (location.startsWith("jar:") && separator > 0) {
                jars.add(location.substring(location.lastIndexOf('/', separator) + 1, separator));
            }
        }

        assertThat(jars)
                .as("jars on the test class path holding %s", entry)
                .anyMatch(name -> name.matches(jarName));
    }
}
