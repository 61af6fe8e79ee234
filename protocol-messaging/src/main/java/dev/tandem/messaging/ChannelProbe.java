package dev.tandem.messaging;

import dev.tandem.core.transport.CloseCode;
import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds channels that have gone quiet with requests waiting, and closes the ones that no longer carry anything.
 *
 * <p>Why: a transport can accept a write and never send it. kwik 0.10.8's send-request race does that to a
 * long-lived stream of small writes (about one request in 500,000 in {@code tandem bench messaging}), and then every
 * later request on the channel waits out its full timeout. When a request has waited {@code probeAfter} and nothing
 * at all has arrived on its channel since it was sent, the channel gets a built-in ping. The peer answers pings on
 * its reader thread, so a pong never queues behind the slow handlers that may be the real reason for the silence. If no pong comes within
 * {@code probeAfter} either, the connection is closed with {@link CloseCode#STALLED}: waiting requests fail at once
 * with that close, and the next request dials a fresh connection.
 */
final class ChannelProbe implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ChannelProbe.class);
    private final Collection<Channel> channels;
    private final long probeAfterNanos;
    private final ScheduledExecutorService timer;

    ChannelProbe(Collection<Channel> channels, Duration probeAfter, String nodeLabel) {
        this.channels = channels;
        this.probeAfterNanos = probeAfter.toNanos();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tandem-msg-probe-" + nodeLabel);
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(1, probeAfter.toMillis() / 2);
        timer.scheduleWithFixedDelay(this::scan, period, period, TimeUnit.MILLISECONDS);
    }

    private void scan() {
        long now = System.nanoTime();
        for (Channel c : channels) {
            try {
                if (c.isOpen() && c.quietWithRequestsWaiting(now, probeAfterNanos)) {
                    probe(c, now);
                }
            } catch (RuntimeException e) {
                log.warn("liveness check of the channel to {} failed", c.peer().shortForm(), e);
            }
        }
    }

    private void probe(Channel c, long now) {
        if (!c.startProbe()) {
            return;
        }
        long id = c.nextId();
        Channel.PendingReply pong = new Channel.PendingReply(now);
        c.pending.put(id, pong);
        pong.orTimeout(probeAfterNanos, TimeUnit.NANOSECONDS).whenComplete((env, e) -> {
            c.pending.remove(id);
            c.endProbe();
            if (e != null && c.isOpen()) {
                log.warn("closing the messaging connection to {}: requests waited {} ms with nothing received, "
                        + "and a liveness ping got no answer", c.peer().shortForm(),
                        TimeUnit.NANOSECONDS.toMillis(2 * probeAfterNanos));
                c.close(CloseCode.STALLED, "no answer to a liveness ping");
            }
        });
        try {
            c.send(c.pingEnvelope(id));
        } catch (IOException e) {
            pong.completeExceptionally(e);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
