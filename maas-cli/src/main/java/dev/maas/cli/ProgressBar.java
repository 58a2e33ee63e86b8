package dev.maas.cli;

import dev.maas.recommend.train.EpochStats;
import dev.maas.recommend.train.TrainingListener;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * Renders training progress: on a terminal, a bar redrawn in place during each epoch; one line per
 * finished epoch in any case, with loss, validation metric and throughput. Called on the training
 * thread.
 */
final class ProgressBar implements TrainingListener {
    private static final int WIDTH = 24;
    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintWriter out;
    private final boolean interactive;
    private long lastDraw;
    private boolean drawn;

    ProgressBar(PrintWriter out, boolean interactive) {
        this.out = out;
        this.interactive = interactive;
    }

    @Override
    public void onBatch(int epoch, long done, long total) {
        if (!interactive || total <= 0) {
            return;
        }
        long now = System.nanoTime();
        if (drawn && now - lastDraw < REDRAW_NANOS && done < total) {
            return;
        }
        lastDraw = now;
        drawn = true;
        out.print(
                String.format(
                        Locale.ROOT,
                        "\r  epoch %3d %s %3.0f%%",
                        epoch,
                        bar((double) done / total),
                        100.0 * done / total));
        out.flush();
    }

    @Override
    public void onEpoch(EpochStats s) {
        String validation =
                Double.isNaN(s.validationValue())
                        ? ""
                        : String.format(
                                Locale.ROOT,
                                "  val %s %.4f%s",
                                s.validationMetric(),
                                s.validationValue(),
                                s.improved() ? " *" : "  ");
        String line =
                String.format(
                        Locale.ROOT,
                        "  epoch %3d/%-3d %s  loss %.4f%s  %s ex/s  %.1f s",
                        s.epoch(),
                        s.maxEpochs(),
                        bar(1),
                        s.trainLoss(),
                        validation,
                        Format.count(s.examplesPerSecond()),
                        s.duration().toMillis() / 1000.0);
        if (interactive) {
            out.print("\r\033[K");
        }
        out.println(line);
        out.flush();
        drawn = false;
    }

    private static String bar(double fraction) {
        int full = (int) Math.round(Math.max(0, Math.min(1, fraction)) * WIDTH);
        return "[" + "#".repeat(full) + ".".repeat(WIDTH - full) + "]";
    }
}
