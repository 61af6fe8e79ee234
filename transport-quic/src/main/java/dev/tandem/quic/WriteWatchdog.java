package dev.tandem.quic;

import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cures kwik 0.10.8's lost send request (kwik.md §8) from outside kwik: a writer parked inside a non-empty
 * {@code write()} with no progress for {@code nudgeAfter} gets a zero-length {@code write(buf, 0, 0)} from
 * this thread, repeated every {@code nudgeInterval} until its write returns. The empty write passes kwik's
 * send buffer without blocking and re-runs "queue a send request if none is queued".
 *
 * <p>Safety: an empty entry left <em>last</em> in kwik's send queue swallows a later FIN, so a nudge is
 * only issued while the writer thread is verifiably parked inside kwik's {@code SendBuffer.write} (its own
 * data is then queued behind the empty entry). The check and the writer's "write returned" bookkeeping
 * share a lock; the writer thread's state and stack are inspected only for writes already blocked for
 * {@code nudgeAfter}. After {@code stallTimeout} without progress the stream is reset and the writer
 * gets a {@link dev.tandem.core.transport.StallException}.
 */
final class WriteWatchdog {
    private static final Logger LOG = LoggerFactory.getLogger(WriteWatchdog.class);
    private static final String SEND_BUFFER = "tech.kwik.core.stream.SendBuffer";

    private final Set<QuicPeerStream> streams = ConcurrentHashMap.newKeySet();
    private final long nudgeAfterNanos;
    private final long intervalNanos;
    private final Duration stallTimeout;
    private final AtomicLong nudges = new AtomicLong();
    private final AtomicLong nudgedWrites = new AtomicLong();
    private final AtomicLong stalls = new AtomicLong();
    private final ScheduledFuture<?> task;

    WriteWatchdog(ScheduledExecutorService timer, QuicSettings settings) {
        this.nudgeAfterNanos = settings.nudgeAfter().toNanos();
        this.intervalNanos = settings.nudgeInterval().toNanos();
        this.stallTimeout = settings.stallTimeout();
        this.task = timer.scheduleWithFixedDelay(this::tick, intervalNanos, intervalNanos, TimeUnit.NANOSECONDS);
    }

    void watch(QuicPeerStream s) {
        streams.add(s);
    }

    void unwatch(QuicPeerStream s) {
        streams.remove(s);
    }

    long nudges() {
        return nudges.get();
    }

    /** Waits until at least {@code count} nudges were issued since start; false if {@code max} passed first. */
    boolean awaitNudges(long count, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        synchronized (nudges) {
            while (nudges.get() < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(nudges, left);
            }
        }
        return true;
    }

    long nudgedWrites() {
        return nudgedWrites.get();
    }

    long stalls() {
        return stalls.get();
    }

    int watched() {
        return streams.size();
    }

    void stop() {
        task.cancel(false);
        streams.clear();
    }

    private void tick() {
        long now = System.nanoTime();
        for (QuicPeerStream s : streams) {
            if (s.connectionClosed()) {
                streams.remove(s); // abandoned by its user; kwik has failed any write still in progress
                continue;
            }
            try {
                check(s, now);
            } catch (RuntimeException e) {
                LOG.warn("write watchdog failed on stream {}", s.id(), e);
            }
        }
    }

    private void check(QuicPeerStream s, long now) {
        long since = s.blockedSince;
        if (since == 0 || now - since < nudgeAfterNanos) {
            return;
        }
        synchronized (s.guard) {
            since = s.blockedSince;
            Thread w = s.writer;
            if (since == 0 || w == null) {
                return;
            }
            long blocked = now - since;
            if (!stallTimeout.isZero() && blocked >= stallTimeout.toNanos()) {
                stalls.incrementAndGet();
                LOG.warn("stream {}: writer made no progress for {} ms despite {} nudge(s); failing it as stalled",
                        s.id(), TimeUnit.NANOSECONDS.toMillis(blocked), s.nudgesThisWrite);
                s.failStalled(Duration.ofNanos(blocked));
                return;
            }
            if (now - s.lastNudge < intervalNanos || !parkedInSendBuffer(w)) {
                return;
            }
            try {
                s.nudge();
            } catch (IOException e) {
                LOG.debug("stream {}: nudge refused by kwik: {}", s.id(), e.toString());
                return;
            }
            s.lastNudge = now;
            synchronized (nudges) {
                nudges.incrementAndGet();
                nudges.notifyAll();
            }
            if (s.nudgesThisWrite++ == 0) {
                nudgedWrites.incrementAndGet();
                LOG.debug("stream {}: writer blocked {} ms without progress; nudging", s.id(),
                        TimeUnit.NANOSECONDS.toMillis(blocked));
            }
        }
    }

    /** True if {@code t} is parked waiting for space in kwik's send buffer (not anywhere after it). */
    private static boolean parkedInSendBuffer(Thread t) {
        Thread.State st = t.getState();
        if (st != Thread.State.WAITING && st != Thread.State.TIMED_WAITING) {
            return false;
        }
        for (StackTraceElement e : t.getStackTrace()) {
            if (SEND_BUFFER.equals(e.getClassName()) && "write".equals(e.getMethodName())) {
                return true;
            }
        }
        return false;
    }
}
