package dev.tandem.messaging;

import dev.tandem.core.NodeId;
import dev.tandem.core.device.Device;
import dev.tandem.core.device.DeviceRegistry;
import dev.tandem.core.device.DeviceState;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps paired devices connected: every {@code interval} it pings each paired device whose node id is
 * greater than this node's (so exactly one side of each pair dials and they never race), and retries an
 * unreachable device with exponential backoff from 1 s up to {@code maxBackoff}. A newly paired device is
 * tried at once. The higher side simply answers.
 */
final class PresenceKeeper implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PresenceKeeper.class);
    private static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);

    private final Messaging messaging;
    private final DeviceRegistry devices;
    private final NodeId self;
    private final Duration interval;
    private final Duration maxBackoff;
    private final ScheduledExecutorService timer;
    private final Map<NodeId, Duration> backoff = new ConcurrentHashMap<>();
    private final Map<NodeId, Boolean> inFlight = new ConcurrentHashMap<>();
    private final AutoCloseable subscription;

    PresenceKeeper(Messaging messaging, DeviceRegistry devices, NodeId self, Duration interval, Duration maxBackoff) {
        this.messaging = messaging;
        this.devices = devices;
        this.self = self;
        this.interval = interval;
        this.maxBackoff = maxBackoff;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tandem-presence-" + self.shortForm());
            t.setDaemon(true);
            return t;
        });
        this.subscription = devices.onChange(e -> {
            if (e.isStateChange() && e.to().filter(DeviceState::isPaired).isPresent()
                    && e.from().filter(DeviceState::isPaired).isEmpty()) {
                timer.execute(() -> check(e.device().id()));   // newly paired: connect now
            } else if (e.to().isEmpty()) {
                backoff.remove(e.device().id());
            }
        });
        timer.scheduleWithFixedDelay(this::checkAll, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void checkAll() {
        for (Device d : devices.all()) {
            if (d.state().isPaired() && backoff.getOrDefault(d.id(), Duration.ZERO).isZero()) {
                check(d.id());
            }
        }
    }

    private void check(NodeId device) {
        if (self.compareTo(device) >= 0 || inFlight.putIfAbsent(device, Boolean.TRUE) != null) {
            return;
        }
        messaging.ping(device).whenComplete((rtt, err) -> {
            inFlight.remove(device);
            if (err == null) {
                backoff.remove(device);
                return;
            }
            if (!devices.isPaired(device) || timer.isShutdown()) {
                return;
            }
            Duration last = backoff.getOrDefault(device, Duration.ZERO);
            Duration next = last.isZero() ? FIRST_BACKOFF : last.multipliedBy(2);
            if (next.compareTo(maxBackoff) > 0) {
                next = maxBackoff;
            }
            backoff.put(device, next);
            log.debug("{} unreachable ({}); retrying in {} s", device.shortForm(), err.getMessage(), next.toSeconds());
            timer.schedule(() -> check(device), next.toMillis(), TimeUnit.MILLISECONDS);
        });
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            subscription.close();
        } catch (Exception e) {
            log.debug("device listener already gone: {}", e.toString());
        }
    }
}
