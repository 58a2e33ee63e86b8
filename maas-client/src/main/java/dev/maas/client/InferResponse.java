package dev.maas.client;

import java.util.List;
import java.util.NoSuchElementException;

/**
 * The result of an inference call: the model and the version that answered, the echoed request id
 * and the outputs. Immutable.
 *
 * @param model the model's name
 * @param version the version that ran (resolved from an alias or traffic split)
 * @param id the request's id, or {@code null}
 * @param outputs the outputs, in the model's order (or the order asked for)
 */
public record InferResponse(String model, String version, String id, List<Tensor> outputs) {
    /** Copies the outputs. */
    public InferResponse {
        outputs = List.copyOf(outputs);
    }

    /**
     * Returns the output named {@code name}.
     *
     * @throws NoSuchElementException naming the outputs there are if there is none
     */
    public Tensor output(String name) {
        for (Tensor t : outputs) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        throw new NoSuchElementException(
                "no output '"
                        + name
                        + "'; outputs: "
                        + outputs.stream().map(Tensor::name).toList());
    }
}
