package dev.maas.catalog.postgres;

import dev.maas.repository.RepositoryListener;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens on the catalog's notification channel on a connection of its own and tells the registered
 * listeners which model changed. After a lost connection it reconnects (waiting longer after each
 * failure, up to {@link #MAX_BACKOFF_MS}) and then tells every listener that anything may have
 * changed, since notifications sent meanwhile are lost. Thread-safe; one daemon thread, started
 * with the first listener.
 */
final class ChangeFeed implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ChangeFeed.class);

    /** The channel every change is notified on; the payload is the model's name, or empty. */
    static final String CHANNEL = "maas_catalog";

    private static final int POLL_MS = 250;
    private static final int CHECK_EVERY_POLLS = 20;
    private static final long MAX_BACKOFF_MS = 5_000;

    private final String url;
    private final Properties properties;
    private final String shownUrl;
    private final List<RepositoryListener> listeners = new CopyOnWriteArrayList<>();
    private final Object lock = new Object();
    private volatile boolean closed;
    private volatile boolean connected;

    /** Guarded by {@link #lock}. */
    private Thread thread;

    ChangeFeed(String url, Properties properties, String shownUrl) {
        this.url = url;
        this.properties = properties;
        this.shownUrl = shownUrl;
    }

    void add(RepositoryListener listener) {
        listeners.add(listener);
        synchronized (lock) {
            if (thread == null && !closed) {
                thread = new Thread(this::run, "maas-catalog-listen");
                thread.setDaemon(true);
                thread.start();
            }
        }
    }

    void remove(RepositoryListener listener) {
        listeners.remove(listener);
    }

    /** Returns whether the feed is listening now. */
    boolean connected() {
        return connected;
    }

    private void run() {
        long backoff = 100;
        boolean missedChanges = false;
        while (!closed) {
            try (Connection c = DriverManager.getConnection(url, properties)) {
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN " + CHANNEL);
                }
                connected = true;
                backoff = 100;
                if (missedChanges) {
                    LOG.info("listening to catalog changes at {} again", shownUrl);
                    fire(null);
                }
                missedChanges = true;
                PGConnection pg = c.unwrap(PGConnection.class);
                int polls = 0;
                while (!closed) {
                    PGNotification[] ns = pg.getNotifications(POLL_MS);
                    if (ns != null) {
                        for (PGNotification n : ns) {
                            fire(n.getParameter().isEmpty() ? null : n.getParameter());
                        }
                    }
                    if (++polls % CHECK_EVERY_POLLS == 0) {
                        // A silent network loss shows only when something is sent.
                        try (Statement s = c.createStatement()) {
                            s.execute("SELECT 1");
                        }
                    }
                }
            } catch (SQLException | RuntimeException e) {
                connected = false;
                if (closed) {
                    return;
                }
                LOG.warn(
                        "lost the catalog change feed at {} ({}); resolved references are"
                                + " refreshed by polling until it is back; retrying in {} ms",
                        shownUrl,
                        e.getMessage(),
                        backoff);
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
                backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
            }
        }
    }

    private void fire(String name) {
        for (RepositoryListener l : listeners) {
            try {
                l.changed(name);
            } catch (RuntimeException e) {
                LOG.warn("catalog change listener {} failed: {}", l, e.toString());
            }
        }
    }

    @Override
    public void close() {
        Thread t;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            t = thread;
        }
        if (t != null) {
            // The thread sees the flag within one poll and closes its connection itself; the
            // interrupt ends a wait between reconnections.
            t.interrupt();
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        listeners.clear();
    }
}
