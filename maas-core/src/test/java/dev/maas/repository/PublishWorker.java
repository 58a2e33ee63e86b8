package dev.maas.repository;

import dev.maas.ModelCard;
import dev.maas.ModelPackage;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A separate process for {@link ConcurrentPublishTest}: waits until a start file appears, then
 * publishes {@code count} versions of one model and prints each assigned version on its own line.
 *
 * <p>Arguments: repository root, model name, count, worker id, start file, scratch folder.
 */
public final class PublishWorker {
    private PublishWorker() {}

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        String name = args[1];
        int count = Integer.parseInt(args[2]);
        String worker = args[3];
        Path startFile = Path.of(args[4]);
        Path scratch = Path.of(args[5]);
        FileSystemModelRepository repo = new FileSystemModelRepository(root);
        Files.writeString(Path.of(startFile + ".ready-" + worker), "ready");
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!Files.exists(startFile)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("start file never appeared: " + startFile);
            }
            Thread.sleep(1);
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < count; i++) {
            String id = worker + "-" + i;
            Path dir = Files.createDirectories(scratch.resolve(id));
            Files.writeString(dir.resolve("weights.bin"), "published by " + id);
            ModelCard card =
                    repo.publish(
                            ModelPackage.of(ModelCard.builder(name).description(id).build(), dir));
            out.append(card.version()).append('\n');
        }
        // The test reads stdout: one version per line, nothing else.
        System.out.print(out);
        System.out.flush();
    }
}
