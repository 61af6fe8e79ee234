package dev.tandem.core.protocol;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The protocols a node serves, by ALPN.
 *
 * <p>Explicit registration comes first and wins: {@link #register} rejects an ALPN that is already taken,
 * with an error naming both providers. {@link #discover} then adds what {@link ServiceLoader} finds,
 * skipping any provider class already registered explicitly (so configuring a discovered protocol by hand
 * is not a conflict). A provider that cannot be loaded or describe itself is logged and recorded by name
 * in {@link #failures()}, and skipped; it never stops the others and is never silently dropped.
 */
public final class ProtocolRegistry {
    private static final Logger log = LoggerFactory.getLogger(ProtocolRegistry.class);

    /** How a provider got here. */
    public enum Source { EXPLICIT, DISCOVERED }

    /** A registered protocol. */
    public record Registration(ProtocolDescriptor descriptor, ProtocolProvider provider, Source source) {
        public String providerName() {
            return provider.getClass().getName();
        }
    }

    private final Map<String, Registration> byAlpn = new LinkedHashMap<>();
    private final List<Registration> registrations = new ArrayList<>();
    private final List<ProviderFailure> failures = new ArrayList<>();

    /**
     * Registers a provider explicitly.
     *
     * @throws DuplicateProtocolException if one of its ALPNs is taken
     * @throws IllegalArgumentException if its descriptor is unusable (wrong SPI version, bad ALPN)
     */
    public synchronized ProtocolRegistry register(ProtocolProvider provider) {
        ProtocolDescriptor d = describe(provider);
        add(new Registration(d, provider, Source.EXPLICIT));
        return this;
    }

    /**
     * Adds the providers {@link ServiceLoader} finds through {@code loader}. With {@link DiscoveryMode#LOG}
     * they are only listed; with {@link DiscoveryMode#OFF} nothing is looked up.
     *
     * @return the registrations added
     * @throws DuplicateProtocolException if two different providers claim one ALPN
     */
    public synchronized List<Registration> discover(ClassLoader loader, DiscoveryMode mode) {
        if (mode == DiscoveryMode.OFF) {
            return List.of();
        }
        List<Registration> added = new ArrayList<>();
        var it = ServiceLoader.load(ProtocolProvider.class, loader).stream().iterator();
        while (true) {
            ServiceLoader.Provider<ProtocolProvider> candidate;
            try {
                if (!it.hasNext()) {
                    break;
                }
                candidate = it.next();
            } catch (ServiceConfigurationError e) {
                // A services entry naming a missing or unusable class: the message names it.
                recordFailure(nameFrom(e), "loading", e);
                continue;
            }
            String name = candidate.type().getName();
            if (isRegisteredClass(candidate.type())) {
                log.debug("protocol provider {} found on the class path is already registered explicitly", name);
                continue;
            }
            ProtocolProvider provider;
            ProtocolDescriptor descriptor;
            try {
                provider = candidate.get();
                descriptor = describe(provider);
            } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
                recordFailure(name, "loading", e);
                continue;
            }
            if (mode == DiscoveryMode.LOG) {
                log.info("found protocol {} ({}) on the class path; not served (discovery mode LOG)",
                        descriptor.alpn(), name);
                continue;
            }
            Registration r = new Registration(descriptor, provider, Source.DISCOVERED);
            add(r);
            added.add(r);
            log.info("serving protocol {} from {} (found on the class path)", descriptor.alpn(), name);
        }
        return added;
    }

    /** Records a provider that failed later, when its handler was created. */
    public synchronized void recordFailure(String providerName, String stage, Throwable error) {
        failures.add(new ProviderFailure(providerName, stage, error));
        log.error("protocol provider {} failed at {} and is skipped: {}", providerName, stage, error.toString(), error);
    }

    /** Removes a registration (used when its handler could not be created). */
    public synchronized void remove(Registration r) {
        registrations.remove(r);
        r.descriptor().allAlpns().forEach(byAlpn::remove);
    }

    /** The registration serving {@code alpn}, current or older. */
    public synchronized Optional<Registration> lookup(String alpn) {
        return Optional.ofNullable(byAlpn.get(alpn));
    }

    /** Every registration, explicit ones first, in registration order. */
    public synchronized List<Registration> registrations() {
        return List.copyOf(registrations);
    }

    /** Every ALPN served, current and older. */
    public synchronized Collection<String> alpns() {
        return List.copyOf(byAlpn.keySet());
    }

    /** Providers that were skipped, and why. */
    public synchronized List<ProviderFailure> failures() {
        return List.copyOf(failures);
    }

    private void add(Registration r) {
        for (String alpn : r.descriptor().allAlpns()) {
            Registration existing = byAlpn.get(alpn);
            if (existing != null) {
                throw new DuplicateProtocolException(alpn, existing.providerName(), r.providerName());
            }
        }
        r.descriptor().allAlpns().forEach(a -> byAlpn.put(a, r));
        registrations.add(r);
    }

    private boolean isRegisteredClass(Class<?> type) {
        return registrations.stream().anyMatch(r -> r.provider().getClass() == type);
    }

    private static ProtocolDescriptor describe(ProtocolProvider provider) {
        ProtocolDescriptor d = provider.descriptor();
        if (d == null) {
            throw new IllegalArgumentException(provider.getClass().getName() + " returned no descriptor");
        }
        if (d.spiVersion() != ProtocolProvider.SPI_VERSION) {
            throw new IllegalArgumentException(provider.getClass().getName() + " was written for protocol SPI "
                    + d.spiVersion() + " but this core provides SPI " + ProtocolProvider.SPI_VERSION);
        }
        return d;
    }

    private static String nameFrom(ServiceConfigurationError e) {
        String m = String.valueOf(e.getMessage());
        // "dev.tandem.core.protocol.ProtocolProvider: Provider x.Y could not be instantiated" and similar
        int i = m.indexOf("Provider ");
        if (i >= 0) {
            String rest = m.substring(i + "Provider ".length());
            int end = rest.indexOf(' ');
            return end > 0 ? rest.substring(0, end) : rest;
        }
        return m;
    }
}
