package dev.maas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The batching policy alone, on explicit instants: no threads, no engine, no sleeping. */
class BatchQueueTest {
    private static final long MS = 1_000_000L;

    /** A queued call: an id, its arrival, deadline, rows and batch key. */
    record Item(int id, long enqueuedAt, long deadline, int rows, Object batchKey)
            implements BatchQueue.Queued {
        static Item at(int id, long t) {
            return new Item(id, t, Long.MAX_VALUE, 1, "k");
        }
    }

    private static List<Integer> ids(List<Item> items) {
        return items.stream().map(Item::id).toList();
    }

    @Test
    void fullBatch_isTakenAtOnce_withoutWaitingForTheDelay() {
        BatchQueue<Item> q = new BatchQueue<>(100, 3, Integer.MAX_VALUE, 10 * MS);
        for (int i = 0; i < 7; i++) {
            q.offer(Item.at(i, 0));
        }

        assertThat(ids(q.poll(0).batch())).containsExactly(0, 1, 2);
        assertThat(ids(q.poll(0).batch())).containsExactly(3, 4, 5);
        BatchQueue.Poll<Item> rest = q.poll(0);
        assertThat(rest.batch()).isNull();
        assertThat(rest.waitNanos()).isEqualTo(10 * MS);
        assertThat(q.size()).isEqualTo(1);
    }

    @Test
    void partialBatch_waitsUntilItsOldestCallHasWaitedTheDelay() {
        BatchQueue<Item> q = new BatchQueue<>(100, 8, Integer.MAX_VALUE, 10 * MS);
        q.offer(Item.at(1, 0));
        q.offer(Item.at(2, 4 * MS));

        assertThat(q.poll(4 * MS).waitNanos()).isEqualTo(6 * MS);
        assertThat(q.poll(10 * MS - 1).batch()).isNull();
        assertThat(q.poll(10 * MS - 1).waitNanos()).isEqualTo(1);
        assertThat(ids(q.poll(10 * MS).batch())).containsExactly(1, 2);
        assertThat(q.poll(10 * MS).waitNanos()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void zeroDelay_takesWhatIsQueued() {
        BatchQueue<Item> q = new BatchQueue<>(100, 8, Integer.MAX_VALUE, 0);
        q.offer(Item.at(1, 5));
        q.offer(Item.at(2, 5));
        assertThat(ids(q.poll(5).batch())).containsExactly(1, 2);
    }

    @Test
    void rowsCount_andACallBiggerThanTheMaximumRunsAlone() {
        BatchQueue<Item> q = new BatchQueue<>(100, 4, Integer.MAX_VALUE, 10 * MS);
        q.offer(new Item(1, 0, Long.MAX_VALUE, 3, "k"));
        q.offer(new Item(2, 0, Long.MAX_VALUE, 2, "k"));
        q.offer(new Item(3, 0, Long.MAX_VALUE, 9, "k"));
        q.offer(new Item(4, 0, Long.MAX_VALUE, 1, "k"));

        // 3 + 2 rows would exceed 4: the first goes alone, at once (it cannot grow).
        assertThat(ids(q.poll(0).batch())).containsExactly(1);
        assertThat(ids(q.poll(0).batch())).containsExactly(2);
        assertThat(ids(q.poll(0).batch())).containsExactly(3);
        assertThat(q.poll(0).batch()).isNull();
    }

    @Test
    void callsWithAnotherShape_endTheBatch_andKeepTheirOrder() {
        BatchQueue<Item> q = new BatchQueue<>(100, 8, Integer.MAX_VALUE, 10 * MS);
        q.offer(new Item(1, 0, Long.MAX_VALUE, 1, "a"));
        q.offer(new Item(2, 0, Long.MAX_VALUE, 1, "a"));
        q.offer(new Item(3, 0, Long.MAX_VALUE, 1, "b"));
        q.offer(new Item(4, 0, Long.MAX_VALUE, 1, "a"));

        assertThat(ids(q.poll(0).batch())).containsExactly(1, 2);
        assertThat(ids(q.poll(0).batch())).containsExactly(3);
        assertThat(q.poll(0).batch()).isNull();
    }

    @Test
    void maxItemsOne_runsCallsOneByOne() {
        BatchQueue<Item> q = new BatchQueue<>(100, 8, 1, 10 * MS);
        q.offer(Item.at(1, 0));
        q.offer(Item.at(2, 0));
        assertThat(ids(q.poll(0).batch())).containsExactly(1);
        assertThat(ids(q.poll(0).batch())).containsExactly(2);
    }

    @Test
    void expiredCalls_areRemovedAndReported_neverBatched() {
        BatchQueue<Item> q = new BatchQueue<>(100, 8, Integer.MAX_VALUE, 10 * MS);
        q.offer(new Item(1, 0, 5 * MS, 1, "k"));
        q.offer(Item.at(2, 0));
        q.offer(new Item(3, 0, 6 * MS, 1, "k"));

        BatchQueue.Poll<Item> p = q.poll(6 * MS);
        assertThat(ids(p.expired())).containsExactly(1, 3);
        assertThat(p.batch()).isNull();
        assertThat(q.size()).isEqualTo(1);
        assertThat(ids(q.poll(10 * MS).batch())).containsExactly(2);
    }

    @Test
    void offer_refusesWhenFull_andRemoveFreesRoom() {
        BatchQueue<Item> q = new BatchQueue<>(2, 8, Integer.MAX_VALUE, 10 * MS);
        Item a = Item.at(1, 0);
        assertThat(q.offer(a)).isTrue();
        assertThat(q.offer(Item.at(2, 0))).isTrue();
        assertThat(q.offer(Item.at(3, 0))).isFalse();
        assertThat(q.size()).isEqualTo(2);

        assertThat(q.remove(a)).isTrue();
        assertThat(q.remove(a)).isFalse();
        assertThat(q.offer(Item.at(4, 0))).isTrue();
        assertThat(ids(q.drain())).containsExactly(2, 4);
    }

    @Test
    void constructor_rejectsNonsense() {
        assertThatThrownBy(() -> new BatchQueue<Item>(0, 1, 1, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("capacity");
    }
}
