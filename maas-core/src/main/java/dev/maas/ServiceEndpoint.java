package dev.maas;

import ai.djl.Model;
import ai.djl.metric.Metrics;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.translate.Batchifier;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/** The {@link Endpoint} a {@link ModelService} hands out. Thread-safe. */
final class ServiceEndpoint implements Endpoint {
    private final ModelService service;
    private final ModelRef ref;

    ServiceEndpoint(ModelService service, ModelRef ref) {
        this.service = service;
        this.ref = ref;
    }

    @Override
    public ModelRef ref() {
        return ref;
    }

    @Override
    public ModelCard card() {
        return service.resolve(ref);
    }

    @Override
    public NDList predict(NDList input) {
        Objects.requireNonNull(input, "input");
        ModelRuntime runtime = service.acquire(ref);
        try {
            return runtime.predict(input);
        } finally {
            runtime.release();
        }
    }

    @Override
    public <I, O> O predict(I input, Translator<I, O> translator) {
        Objects.requireNonNull(translator, "translator");
        ModelRuntime runtime = service.acquire(ref);
        try (Context ctx = new Context(runtime.model().djlModel())) {
            try {
                runtime.prepare(translator, ctx);
                NDList in = translator.processInput(ctx, input);
                Batchifier batchifier = translator.getBatchifier();
                if (batchifier != null) {
                    in = batchifier.batchify(new NDList[] {in});
                }
                NDList out = runtime.predict(in);
                if (batchifier != null) {
                    out = batchifier.unbatchify(out)[0];
                }
                return translator.processOutput(ctx, out);
            } catch (MaasException e) {
                throw e;
            } catch (Exception e) {
                throw Signatures.engineFailure(runtime.card(), e);
            }
        } finally {
            runtime.release();
        }
    }

    @Override
    public String toString() {
        return "Endpoint[" + ref + "]";
    }

    /** A translator context whose arrays live in a per-call manager, closed after the call. */
    static final class Context implements TranslatorContext {
        private final Model model;
        private final NDManager manager;
        private final Map<String, Object> attachments = new ConcurrentHashMap<>();

        Context(Model model) {
            this.model = model;
            this.manager = model.getNDManager().newSubManager();
        }

        @Override
        public Model getModel() {
            return model;
        }

        @Override
        public NDManager getNDManager() {
            return manager;
        }

        @Override
        public NDManager getPredictorManager() {
            return manager;
        }

        @Override
        public Block getBlock() {
            return model.getBlock();
        }

        @Override
        public Metrics getMetrics() {
            return null;
        }

        @Override
        public Object getAttachment(String key) {
            return attachments.get(key);
        }

        @Override
        public void setAttachment(String key, Object value) {
            attachments.put(key, value);
        }

        @Override
        public void close() {
            manager.close();
        }
    }
}
