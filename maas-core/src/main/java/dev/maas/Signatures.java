package dev.maas;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import java.util.List;
import java.util.stream.Collectors;

/** Input checks against a card's signature, and the wrapping of engine failures. */
final class Signatures {
    private Signatures() {}

    /**
     * Checks count, data type and shape of {@code input} against the card's inputs; does nothing
     * when the card declares no inputs.
     *
     * @throws InvalidInputException stating the expected signature and what was received
     */
    static void checkInputs(ModelCard card, NDList input) {
        if (input == null || input.isEmpty()) {
            throw new InvalidInputException(
                    "model " + card.ref() + " got no input; expected " + describe(card.inputs()));
        }
        List<TensorSpec> specs = card.inputs();
        if (specs.isEmpty()) {
            return;
        }
        if (input.size() != specs.size()) {
            throw invalid(card, input, input.size() + " arrays instead of " + specs.size());
        }
        for (int i = 0; i < specs.size(); i++) {
            TensorSpec spec = specs.get(i);
            NDArray a = input.get(i);
            if (!spec.matches(a)) {
                throw invalid(
                        card,
                        input,
                        "input "
                                + i
                                + (spec.name().isEmpty() ? "" : " '" + spec.name() + "'")
                                + " is "
                                + describe(a)
                                + ", expected "
                                + spec);
            }
        }
    }

    private static InvalidInputException invalid(ModelCard card, NDList input, String what) {
        return new InvalidInputException(
                "invalid input for model "
                        + card.ref()
                        + ": "
                        + what
                        + "; expected signature "
                        + describe(card.inputs())
                        + ", got "
                        + input.stream().map(Signatures::describe).collect(Collectors.toList()));
    }

    static String describe(List<TensorSpec> specs) {
        return specs.isEmpty() ? "(any)" : specs.toString();
    }

    static String describe(NDArray a) {
        return a.getDataType().name().toLowerCase(java.util.Locale.ROOT) + " " + a.getShape();
    }

    /** Wraps an engine's exception, keeping maas exceptions as they are. */
    static MaasException engineFailure(ModelCard card, Exception e) {
        if (e instanceof MaasException m) {
            return m;
        }
        if (e instanceof ai.djl.translate.TranslateException
                && e.getCause() instanceof MaasException m) {
            // A backend's own check (an engine block rejecting a row) keeps its precise type.
            return m;
        }
        String msg = e.getMessage();
        if (e instanceof ai.djl.translate.TranslateException && e.getCause() != null) {
            msg = e.getCause().getMessage();
        }
        return new MaasException("model " + card.ref() + " failed on this input: " + msg, e);
    }
}
