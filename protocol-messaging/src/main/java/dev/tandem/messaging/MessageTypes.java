package dev.tandem.messaging;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Type names on the wire and the Java classes they map to, one to one. */
final class MessageTypes {
    private final Map<String, Class<?>> byName = new ConcurrentHashMap<>();
    private final Map<Class<?>, String> byClass = new ConcurrentHashMap<>();

    synchronized void register(String name, Class<?> type) {
        if (name == null || name.isBlank() || name.length() > 128) {
            throw new IllegalArgumentException("a message type name is 1 to 128 characters");
        }
        Class<?> existing = byName.get(name);
        if (existing != null && existing != type) {
            throw new IllegalArgumentException("message type '" + name + "' is already registered for "
                    + existing.getName());
        }
        String existingName = byClass.get(type);
        if (existingName != null && !existingName.equals(name)) {
            throw new IllegalArgumentException(type.getName() + " is already registered as '" + existingName + "'");
        }
        byName.put(name, type);
        byClass.put(type, name);
    }

    Optional<Class<?>> type(String name) {
        return name == null ? Optional.empty() : Optional.ofNullable(byName.get(name));
    }

    String nameOf(Object message) {
        return nameOfType(message.getClass());
    }

    String nameOfType(Class<?> type) {
        String n = byClass.get(type);
        if (n == null) {
            throw new IllegalArgumentException(type.getName()
                    + " is not a registered message type; call Messaging.register(name, type) first");
        }
        return n;
    }
}
