package dev.tandem.messaging;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one channel's request handlers on the node's pool, concurrently, without a thread hand-off per request.
 *
 * <p>A task per request measured 30% slower than handling requests where they were read: each hand-off parks and
 * wakes a pool thread. Here one worker takes queued requests one after another while handlers are quick. Requests
 * still never wait long behind a slow handler: while requests are queued, a check runs every {@code lag}, and if no
 * worker has taken a request for that long, another worker starts (as many as the pool allows). So a request waits
 * behind a slow or blocked handler for about {@code lag} at most, and a burst of quick requests costs one hand-off.
 *
 * <p>Back-pressure: when {@value #MAX_QUEUED} requests are queued already, or the pool refuses the first worker, the
 * caller (the connection's reader) runs the request itself. The reader then stops reading, and the transport's flow
 * control slows that peer only; a peer cannot make its requests pile up here without bound.
 */
final class RequestWorkers implements Executor {
    private static final Logger log = LoggerFactory.getLogger(RequestWorkers.class);
    /** Most requests waiting for a worker; beyond it the caller runs the request. */
    static final int MAX_QUEUED = 64;
    private final Executor pool;
    private final ScheduledExecutorService timer;
    private final long lagNanos;
    private final ArrayDeque<Runnable> queue = new ArrayDeque<>(); // guarded by this
    private int workers;            // guarded by this: started and not yet finished
    private long lastTakenNanos;    // guarded by this
    private boolean checkScheduled; // guarded by this

    RequestWorkers(Executor pool, ScheduledExecutorService timer, long lagNanos) {
        this.pool = pool;
        this.timer = timer;
        this.lagNanos = lagNanos;
    }

    @Override
    public void execute(Runnable task) {
        boolean here = false;
        boolean start = false;
        boolean check = false;
        synchronized (this) {
            if (queue.size() >= MAX_QUEUED) {
                here = true;
            } else {
                queue.add(task);
                if (workers == 0) {
                    workers++;
                    lastTakenNanos = System.nanoTime();
                    start = true;
                } else if (!checkScheduled) {
                    checkScheduled = check = true;
                }
            }
        }
        if (here) {
            runHere(task);
            return;
        }
        if (start && !start()) {
            work(); // pool full: run here, slowing this peer only
        }
        if (check) {
            scheduleCheck();
        }
    }

    /** Number of workers running, for tests. */
    synchronized int workers() {
        return workers;
    }

    private void scheduleCheck() {
        try {
            timer.schedule(this::check, lagNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            synchronized (this) {
                checkScheduled = false; // messaging is closing: the workers running finish the queue
            }
        }
    }

    private void check() {
        boolean start = false;
        synchronized (this) {
            if (queue.isEmpty()) {
                checkScheduled = false;
                return;
            }
            long now = System.nanoTime();
            if (now - lastTakenNanos >= lagNanos) {
                workers++;
                lastTakenNanos = now; // the next worker gets a lag of its own before a third joins
                start = true;
            }
        }
        if (start) {
            if (start()) {
                log.debug("request handlers busy for {} ms with requests queued: started another worker",
                        TimeUnit.NANOSECONDS.toMillis(lagNanos));
            } else {
                synchronized (this) {
                    workers--; // pool full: the workers running take the queue, or a later check starts one
                }
            }
        }
        scheduleCheck();
    }

    /** Starts a worker on the pool; false if the pool refused it. */
    private boolean start() {
        try {
            pool.execute(this::work);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    private void work() {
        while (true) {
            Runnable next;
            synchronized (this) {
                next = queue.poll();
                if (next == null) {
                    workers--;
                    return;
                }
                lastTakenNanos = System.nanoTime();
            }
            try {
                next.run();
            } catch (RuntimeException e) {
                log.warn("request handler task failed", e);
            } catch (Error e) {
                boolean check;
                synchronized (this) {
                    workers--; // this worker ends: a check starts another at once for what is queued
                    lastTakenNanos = System.nanoTime() - lagNanos;
                    check = !queue.isEmpty() && !checkScheduled;
                    checkScheduled |= check;
                }
                if (check) {
                    scheduleCheck();
                }
                throw e;
            }
        }
    }

    private static void runHere(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            log.warn("request handler task failed", e);
        }
    }
}
