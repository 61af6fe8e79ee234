package dev.tandem.cli;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Measures the busiest thread over a stretch of work: on a machine with a core for each busy thread, that thread
 * bounds throughput, whatever the whole process spends. {@link #start()} before the work, {@link #stop()} after.
 *
 * <p>Thread CPU time can only be read from a live thread, and a benchmark run closes its transports (and their event
 * loops) before it returns. So a sampler reads every thread every {@value #SAMPLE_MILLIS} ms and keeps the last value
 * seen: a thread that ended during the work is counted up to its last sample, so it loses what it used after that
 * (one period, about 2% of a one-second run, more if the sampler runs late on a loaded machine). A thread started
 * during the work counts from zero. If reading fails, the figure is {@link Busiest#UNKNOWN}, not a wrong number.
 * Hex node-id fragments and counters are dropped from the role name, so both nodes' threads of one kind read the same,
 * e.g. {@code tandem-netty-io}.
 */
final class ThreadCpu {
    static final long SAMPLE_MILLIS = 20;

    /** The busiest thread's role and its CPU time over the work; NaN seconds if this JVM cannot tell. */
    record Busiest(String role, double cpuSeconds) {
        static final Busiest UNKNOWN = new Busiest("unknown", Double.NaN);
    }

    private final ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    private final Map<Long, Long> startNanos = new HashMap<>();
    private final Map<Long, Long> lastNanos = new HashMap<>();
    private final Map<Long, String> names = new HashMap<>();
    private final ScheduledExecutorService sampler;
    private volatile long samplerThreadId = -1; // not a thread of the work
    private boolean broken; // a reading failed: the figure would be wrong
    private final Object stopLock = new Object();
    private Busiest result;

    private ThreadCpu() {
        boolean measurable = mx.isThreadCpuTimeSupported() && mx.isThreadCpuTimeEnabled();
        if (measurable) {
            sample();
            startNanos.putAll(lastNanos);
            sampler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "bench-thread-cpu");
                t.setDaemon(true);
                samplerThreadId = t.getId();
                return t;
            });
            sampler.scheduleAtFixedRate(this::sample, SAMPLE_MILLIS, SAMPLE_MILLIS, TimeUnit.MILLISECONDS);
        } else {
            sampler = null;
        }
    }

    static ThreadCpu start() {
        return new ThreadCpu();
    }

    /**
     * Stops sampling (again: a later call returns the first result) and returns the thread that used the most CPU
     * since {@link #start()}.
     */
    Busiest stop() throws InterruptedException {
        synchronized (stopLock) { // not this: the sampler's last reading takes this while stop waits for it
            if (result == null) {
                result = measure();
            }
            return result;
        }
    }

    private Busiest measure() throws InterruptedException {
        if (sampler == null) {
            return Busiest.UNKNOWN;
        }
        sampler.shutdown();
        if (!sampler.awaitTermination(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("thread CPU sampler did not stop");
        }
        sample();
        if (broken) {
            return Busiest.UNKNOWN;
        }
        long bestId = -1;
        long best = -1;
        for (Map.Entry<Long, Long> e : lastNanos.entrySet()) {
            long used = e.getValue() - startNanos.getOrDefault(e.getKey(), 0L);
            if (used > best && e.getKey() != samplerThreadId) {
                best = used;
                bestId = e.getKey();
            }
        }
        return bestId < 0 ? Busiest.UNKNOWN : new Busiest(role(names.get(bestId)), best / 1e9);
    }

    /** Never throws: an exception would silently end the periodic task, so it marks the figure unknown instead. */
    private synchronized void sample() {
        try {
            for (long id : mx.getAllThreadIds()) {
                long nanos = mx.getThreadCpuTime(id);
                if (nanos < 0) { // ended since getAllThreadIds
                    continue;
                }
                lastNanos.put(id, nanos);
                if (!names.containsKey(id)) {
                    ThreadInfo info = mx.getThreadInfo(id);
                    names.put(id, info == null ? "thread " + id : info.getThreadName());
                }
            }
        } catch (RuntimeException e) {
            broken = true;
        }
    }

    /** {@code tandem-netty-1f36b02329-io-2-1} becomes {@code tandem-netty-io}. */
    static String role(String threadName) {
        String r = threadName.replaceAll("(^|-)([0-9a-f]{10,}|[0-9]+)(?=-|$)", "")
                .replaceAll("#[0-9]+", "")
                .replaceAll("--+", "-");
        return r.isEmpty() ? threadName : r;
    }
}
