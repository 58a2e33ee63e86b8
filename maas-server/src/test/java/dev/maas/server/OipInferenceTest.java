package dev.maas.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.maas.ModelService;
import dev.maas.access.Principal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OipInferenceTest {
    @TempDir static Path tmp;
    static ModelService maas;
    static OipInference oip;

    @BeforeAll
    static void setUp() {
        maas = ModelService.builder().root(tmp.resolve("repo")).build();
        Fixtures.publishTypes(maas, tmp.resolve("types"), "types");
        oip = new OipInference(maas);
    }

    @AfterAll
    static void tearDown() {
        oip.close();
        maas.close();
    }

    @Test
    void infer_passesEveryDatatypeUnchanged() {
        Random random = new Random(1);
        List<InferTensor> inputs = new ArrayList<>();
        for (Fixtures.TypeCase t : Fixtures.TYPES) {
            inputs.add(RandomTensors.of(t.input(), t.type(), 3, 2, random));
        }
        OipInference.InferResult r =
                oip.infer(Principal.of("alice"), "types", null, inputs, List.of(), Map.of());
        assertThat(r.outputs()).hasSize(Fixtures.TYPES.size());
        for (int i = 0; i < inputs.size(); i++) {
            assertThat(r.outputs().get(i).datatype()).isEqualTo(inputs.get(i).datatype());
            assertThat(r.outputs().get(i).rawView()).isEqualTo(inputs.get(i).rawView());
        }
    }
}
