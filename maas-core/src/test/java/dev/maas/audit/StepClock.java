package dev.maas.audit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** A clock for tests that starts at a fixed instant and moves one second on at every reading. */
final class StepClock extends Clock {
    static final Instant START = Instant.parse("2025-03-01T10:00:00Z");

    private final AtomicLong readings = new AtomicLong();

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Instant instant() {
        return START.plus(Duration.ofSeconds(readings.getAndIncrement()));
    }
}
