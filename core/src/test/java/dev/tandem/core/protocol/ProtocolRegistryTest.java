package dev.tandem.core.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ProtocolRegistryTest {
    private final ClassLoader loader = getClass().getClassLoader();

    @Test
    void duplicateAlpnIsAnErrorNamingBothProviders() {
        ProtocolRegistry r = new ProtocolRegistry().register(new TestProviders.Good());
        var e = assertThrows(DuplicateProtocolException.class, () -> r.register(new TestProviders.Clash()));
        assertTrue(e.getMessage().contains("test/good/1"), e.getMessage());
        assertTrue(e.getMessage().contains(TestProviders.Good.class.getName()), e.getMessage());
        assertTrue(e.getMessage().contains(TestProviders.Clash.class.getName()), e.getMessage());
        assertEquals(1, r.registrations().size());
    }

    @Test
    void anOlderAlpnStillAcceptedCountsAsClaimed() {
        ProtocolRegistry r = new ProtocolRegistry().register(new TestProviders.Good());
        var e = assertThrows(DuplicateProtocolException.class, () -> r.register(new TestProviders.OlderClash()));
        assertTrue(e.getMessage().contains("test/good/1"), e.getMessage());
        assertTrue(r.lookup("test/good/2").isEmpty(), "a rejected provider claims nothing");
    }

    @Test
    void olderAlpnsRouteToTheSameRegistration() {
        ProtocolRegistry r = new ProtocolRegistry().register(new TestProviders.OlderClash());
        assertEquals(r.lookup("test/good/2"), r.lookup("test/good/1"));
        assertEquals(List.of("test/good/2", "test/good/1"), List.copyOf(r.alpns()));
    }

    @Test
    void discoveryServesGoodProvidersAndReportsBrokenOnesByName() {
        ProtocolRegistry r = new ProtocolRegistry();
        r.discover(loader, DiscoveryMode.ON);
        assertEquals(Set.of("test/good/1", "test/explicit/1"),
                r.registrations().stream().map(x -> x.descriptor().alpn()).collect(Collectors.toSet()));
        assertTrue(r.registrations().stream().allMatch(x -> x.source() == ProtocolRegistry.Source.DISCOVERED));
        String failures = r.failures().toString();
        assertEquals(4, r.failures().size(), failures);
        for (String name : List.of("BrokenConstructor", "BrokenDescriptor", "FutureSpi", "NoSuchProvider")) {
            assertTrue(failures.contains(name), name + " not reported: " + failures);
        }
        assertTrue(failures.contains("SPI " + (ProtocolProvider.SPI_VERSION + 1)), failures);
    }

    @Test
    void explicitRegistrationComesFirstAndIsNotDuplicatedByDiscovery() {
        TestProviders.AlsoExplicit mine = new TestProviders.AlsoExplicit();
        ProtocolRegistry r = new ProtocolRegistry().register(mine);
        r.discover(loader, DiscoveryMode.ON);
        assertEquals(mine, r.registrations().get(0).provider());
        assertEquals(ProtocolRegistry.Source.EXPLICIT, r.lookup("test/explicit/1").orElseThrow().source());
        assertEquals(1, r.registrations().stream().filter(x -> x.descriptor().alpn().equals("test/explicit/1")).count());
    }

    @Test
    void discoveryThatClashesWithAnExplicitProviderIsAnError() {
        ProtocolRegistry r = new ProtocolRegistry().register(new TestProviders.Clash());
        var e = assertThrows(DuplicateProtocolException.class, () -> r.discover(loader, DiscoveryMode.ON));
        assertTrue(e.getMessage().contains(TestProviders.Good.class.getName()), e.getMessage());
    }

    @Test
    void logModeListsWithoutServingAndOffLooksNowhere() {
        ProtocolRegistry logged = new ProtocolRegistry();
        assertEquals(List.of(), logged.discover(loader, DiscoveryMode.LOG));
        assertTrue(logged.registrations().isEmpty());
        ProtocolRegistry off = new ProtocolRegistry();
        off.discover(loader, DiscoveryMode.OFF);
        assertTrue(off.registrations().isEmpty());
        assertTrue(off.failures().isEmpty());
    }

    @Test
    void explicitRegistrationOfABadDescriptorFailsLoudly() {
        ProtocolRegistry r = new ProtocolRegistry();
        assertThrows(IllegalArgumentException.class, () -> r.register(new TestProviders.FutureSpi()));
        assertThrows(UnsupportedOperationException.class, () -> r.register(new TestProviders.BrokenDescriptor()));
    }

    @Test
    void alpnsAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> ProtocolDescriptor.of(""));
        assertThrows(IllegalArgumentException.class, () -> ProtocolDescriptor.of("has space/1"));
        assertThrows(IllegalArgumentException.class, () -> ProtocolDescriptor.of("x".repeat(256)));
        assertThrows(IllegalArgumentException.class, () -> ProtocolDescriptor.of("a/1").withAlsoAccepts("a/1"));
        assertEquals("tandem/x/1", ProtocolDescriptor.of("tandem/x/1").alpn());
    }
}
