package dev.tandem.core.event;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers {@link NetworkEvent}s to listeners on one dispatcher thread, in publication order, so a
 * publisher (often a transport thread) never waits for a listener and a slow listener delays only other
 * listeners. A listener that throws is logged by its class and keeps its subscription.
 */
public final class EventBus implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EventBus.class);

    private record Subscriber(Class<?> type, Consumer<Object> listener) { }

    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    private final ExecutorService dispatcher;

    public EventBus(String nodeName) {
        this.dispatcher = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "tandem-events-" + nodeName);
            t.setDaemon(true);
            return t;
        });
    }

    /** Hears every event. Close the returned handle to stop. */
    public AutoCloseable subscribe(Consumer<? super NetworkEvent> listener) {
        return subscribe(NetworkEvent.class, listener);
    }

    /** Hears events of one type. Close the returned handle to stop. */
    @SuppressWarnings("unchecked")
    public <E extends NetworkEvent> AutoCloseable subscribe(Class<E> type, Consumer<? super E> listener) {
        Subscriber s = new Subscriber(type, (Consumer<Object>) listener);
        subscribers.add(s);
        return () -> subscribers.remove(s);
    }

    /** Queues an event for delivery; returns at once. Events published after {@link #close()} are dropped. */
    public void publish(NetworkEvent event) {
        try {
            dispatcher.execute(() -> deliver(event));
        } catch (RejectedExecutionException e) {
            log.debug("event bus closed; dropped {}", event);
        }
    }

    private void deliver(NetworkEvent event) {
        for (Subscriber s : subscribers) {
            if (!s.type().isInstance(event)) {
                continue;
            }
            try {
                s.listener().accept(event);
            } catch (RuntimeException e) {
                log.warn("event listener {} failed on {}", s.listener().getClass().getName(), event, e);
            }
        }
    }

    /** Delivers what is queued (waiting up to 5 s), then stops. */
    @Override
    public void close() {
        dispatcher.shutdown();
        try {
            if (!dispatcher.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("event listeners did not finish within 5 s; dropping the rest");
                dispatcher.shutdownNow();
            }
        } catch (InterruptedException e) {
            dispatcher.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
