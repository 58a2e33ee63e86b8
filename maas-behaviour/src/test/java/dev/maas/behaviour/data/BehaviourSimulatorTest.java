package dev.maas.behaviour.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class BehaviourSimulatorTest {
    private static BehaviourLog log;

    @BeforeAll
    static void generate() {
        log = BehaviourSimulator.builder().users(300).seed(11).build().generate();
    }

    @Test
    void generate_isSeededAndRepeatable() {
        BehaviourLog again = BehaviourSimulator.builder().users(300).seed(11).build().generate();
        BehaviourLog other = BehaviourSimulator.builder().users(300).seed(12).build().generate();

        assertThat(again.size()).isEqualTo(log.size());
        for (int r = 0; r < log.size(); r += 97) {
            assertThat(again.item(r)).isEqualTo(log.item(r));
            assertThat(again.time(r)).isEqualTo(log.time(r));
            assertThat(again.progress(r)).isEqualTo(log.progress(r));
        }
        assertThat(other.size()).isNotEqualTo(log.size());
    }

    @Test
    void events_areInTimeOrderPerUser() {
        for (int u = 0; u < log.numUsers(); u++) {
            for (int r = log.start(u) + 1; r < log.end(u); r++) {
                assertThat(log.time(r)).isGreaterThanOrEqualTo(log.time(r - 1));
            }
        }
    }

    @Test
    void series_areWatchedInOrder_andOftenInterleaved() {
        int interleaved = 0;
        for (int u = 0; u < log.numUsers(); u++) {
            Map<Integer, Integer> lastEpisode = new HashMap<>();
            int prevSeries = -1;
            for (int r = log.start(u); r < log.end(u); r++) {
                Title t = log.titles().get(log.item(r));
                if (!t.isEpisode()) {
                    continue;
                }
                int previous = lastEpisode.getOrDefault(t.series(), 0);
                assertThat(t.episode()).as("user %d, %s", u, t.name()).isEqualTo(previous + 1);
                lastEpisode.put(t.series(), t.episode());
                if (prevSeries >= 0 && prevSeries != t.series() && previous > 0) {
                    interleaved++; // came back to a series after watching another
                }
                prevSeries = t.series();
            }
        }
        assertThat(interleaved).isGreaterThan(log.numUsers());
    }

    @Test
    void sessions_includeBinges() {
        int binges = 0;
        for (int u = 0; u < log.numUsers(); u++) {
            int run = 1;
            for (int r = log.start(u) + 1; r < log.end(u); r++) {
                run =
                        log.time(r) - log.time(r - 1) < 30 * 60 + 3 * 3600 && sameDay(r)
                                ? run + 1
                                : 1;
                if (run == 5) {
                    binges++;
                }
            }
        }
        assertThat(binges).isGreaterThan(100);
    }

    private static boolean sameDay(int r) {
        return log.time(r) / BehaviourSimulator.DAY == log.time(r - 1) / BehaviourSimulator.DAY;
    }

    @Test
    void someUsersLapse_othersStay() {
        long lastTwoWeeks = BehaviourSimulator.dayStart(56);
        long firstFourWeeks = BehaviourSimulator.dayStart(28);
        int lapsed = 0;
        int stayed = 0;
        for (int u = 0; u < log.numUsers(); u++) {
            boolean early = false;
            boolean late = false;
            for (int r = log.start(u); r < log.end(u); r++) {
                early |= log.time(r) < firstFourWeeks;
                late |= log.time(r) >= lastTwoWeeks;
            }
            if (early && !late) {
                lapsed++;
            } else if (early) {
                stayed++;
            }
        }
        assertThat(lapsed).isGreaterThan(log.numUsers() / 10);
        assertThat(stayed).isGreaterThan(log.numUsers() / 3);
    }

    @Test
    void tastes_drift() {
        int drifted = 0;
        long middle = BehaviourSimulator.dayStart(35);
        for (int u = 0; u < log.numUsers(); u++) {
            int[] before = new int[log.genres().size()];
            int[] after = new int[log.genres().size()];
            for (int r = log.start(u); r < log.end(u); r++) {
                int g = log.titles().get(log.item(r)).genre();
                (log.time(r) < middle ? before : after)[g]++;
            }
            if (argmax(before) != argmax(after) && sum(before) > 20 && sum(after) > 20) {
                drifted++;
            }
        }
        assertThat(drifted).isGreaterThan(10);
    }

    private static int argmax(int[] a) {
        int best = 0;
        for (int i = 1; i < a.length; i++) {
            if (a[i] > a[best]) {
                best = i;
            }
        }
        return best;
    }

    private static int sum(int[] a) {
        int s = 0;
        for (int v : a) {
            s += v;
        }
        return s;
    }

    @Test
    void builder_rejectsBadEvents() {
        BehaviourLog.Builder b =
                BehaviourLog.builder(List.of(new Title("t", "T", 0, -1, 0, 90)), List.of("drama"));
        int u = b.addUser("u");
        assertThatThrownBy(() -> b.add(u, 1, 0, 1f))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown item index 1; the catalogue has 1");
        assertThatThrownBy(() -> b.add(u, 0, 0, 1.5f))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("progress must be in [0, 1], was 1.5");
    }
}
