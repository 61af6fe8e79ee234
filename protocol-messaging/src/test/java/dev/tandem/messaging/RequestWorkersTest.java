package dev.tandem.messaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RequestWorkersTest {
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final AtomicInteger handOffs = new AtomicInteger();
    private final Executor countingPool = task -> {
        handOffs.incrementAndGet();
        pool.execute(task);
    };

    @AfterEach
    void stop() {
        pool.shutdownNow();
        timer.shutdownNow();
    }

    @Test
    void queuedQuickTasksShareOneWorkerInOrder() throws Exception {
        RequestWorkers w = new RequestWorkers(countingPool, timer, TimeUnit.SECONDS.toNanos(30));
        CountDownLatch gate = new CountDownLatch(1);
        List<Integer> order = new CopyOnWriteArrayList<>();
        Set<Thread> threads = ConcurrentHashMap.newKeySet();
        int burst = RequestWorkers.MAX_QUEUED;
        CountDownLatch done = new CountDownLatch(burst);
        w.execute(() -> await(gate));
        for (int i = 0; i < burst; i++) {
            int n = i;
            w.execute(() -> {
                order.add(n);
                threads.add(Thread.currentThread());
                done.countDown();
            });
        }
        gate.countDown();
        assertTrue(done.await(20, TimeUnit.SECONDS));
        assertEquals(1, handOffs.get(), "one hand-off for the whole burst");
        assertEquals(1, threads.size());
        assertEquals(java.util.stream.IntStream.range(0, burst).boxed().toList(), order);
    }

    @Test
    void aRequestBehindABlockedHandlerGetsAnotherWorker() throws Exception {
        RequestWorkers w = new RequestWorkers(countingPool, timer, TimeUnit.MILLISECONDS.toNanos(5));
        CountDownLatch secondRan = new CountDownLatch(1);
        CountDownLatch firstDone = new CountDownLatch(1);
        w.execute(() -> {
            await(secondRan); // blocks until the request queued behind it has been handled elsewhere
            firstDone.countDown();
        });
        w.execute(secondRan::countDown);
        assertTrue(secondRan.await(20, TimeUnit.SECONDS), "the second request waited for the blocked one");
        assertTrue(firstDone.await(20, TimeUnit.SECONDS));
        assertEquals(2, handOffs.get());
    }

    @Test
    void aThrowingTaskDoesNotStopTheOnesAfterIt() throws Exception {
        RequestWorkers w = new RequestWorkers(countingPool, timer, TimeUnit.SECONDS.toNanos(30));
        CountDownLatch gate = new CountDownLatch(1);
        CountDownLatch after = new CountDownLatch(1);
        w.execute(() -> await(gate));
        w.execute(() -> {
            throw new IllegalStateException("handler bug (expected in this test)");
        });
        w.execute(after::countDown);
        gate.countDown();
        assertTrue(after.await(20, TimeUnit.SECONDS));
    }

    @Test
    void aFullQueueMakesTheCallerRunTheRequest() throws Exception {
        RequestWorkers w = new RequestWorkers(countingPool, timer, TimeUnit.SECONDS.toNanos(30));
        CountDownLatch gate = new CountDownLatch(1);
        w.execute(() -> await(gate)); // the one worker is busy from here on
        CountDownLatch queuedRan = new CountDownLatch(RequestWorkers.MAX_QUEUED);
        for (int i = 0; i < RequestWorkers.MAX_QUEUED; i++) {
            w.execute(queuedRan::countDown);
        }
        Thread[] ranOn = new Thread[1];
        w.execute(() -> ranOn[0] = Thread.currentThread());
        assertEquals(Thread.currentThread(), ranOn[0], "the reader itself ran the request beyond the queue limit");
        gate.countDown();
        assertTrue(queuedRan.await(20, TimeUnit.SECONDS));
    }

    @Test
    void aWorkerKilledByAnErrorIsReplacedForWhatIsQueued() throws Exception {
        RequestWorkers w = new RequestWorkers(countingPool, timer, TimeUnit.MILLISECONDS.toNanos(5));
        CountDownLatch gate = new CountDownLatch(1);
        CountDownLatch after = new CountDownLatch(1);
        w.execute(() -> {
            await(gate);
            throw new AssertionError("an Error from a handler (expected in this test)");
        });
        w.execute(after::countDown);
        gate.countDown();
        assertTrue(after.await(20, TimeUnit.SECONDS), "the request queued behind the failed worker ran");
    }

    @Test
    void aFullPoolRunsTasksOnTheCallersThread() {
        Executor full = task -> {
            throw new RejectedExecutionException("full");
        };
        RequestWorkers w = new RequestWorkers(full, timer, TimeUnit.MILLISECONDS.toNanos(5));
        Thread[] ranOn = new Thread[1];
        w.execute(() -> ranOn[0] = Thread.currentThread());
        assertEquals(Thread.currentThread(), ranOn[0]);
        assertEquals(0, w.workers());
    }

    private static void await(CountDownLatch latch) {
        try {
            assertTrue(latch.await(20, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
