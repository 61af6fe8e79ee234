package dev.tandem.pairing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.core.protocol.PeerPolicy;
import dev.tandem.core.protocol.ProtocolProvider;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** module-info {@code provides} and the generated META-INF/services file name the same provider. */
@Timeout(30)
class ModuleDescriptorTest {
    @Test
    void moduleProvidesMatchServicesFile() throws Exception {
        Path classes = Path.of(Pairing.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        ModuleDescriptor d;
        try (InputStream in = Files.newInputStream(classes.resolve("module-info.class"))) {
            d = ModuleDescriptor.read(in);
        }
        assertEquals("dev.tandem.pairing", d.name());
        Set<String> fromModule = d.provides().stream()
                .filter(p -> p.service().equals(ProtocolProvider.class.getName()))
                .flatMap(p -> p.providers().stream()).collect(Collectors.toSet());
        Path services = classes.resolve("META-INF/services/" + ProtocolProvider.class.getName());
        Set<String> fromServices = Files.readAllLines(services, StandardCharsets.UTF_8).stream().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).collect(Collectors.toSet());
        assertEquals(Set.of(PairingProvider.class.getName()), fromModule);
        assertEquals(fromModule, fromServices);
        assertTrue(d.requires().stream().map(ModuleDescriptor.Requires::name).collect(Collectors.toSet())
                .containsAll(List.of("dev.tandem.core", "org.slf4j")));
        assertEquals(PeerPolicy.ANY_PEER, new PairingProvider().descriptor().peerPolicy());
        assertEquals(Pairing.ALPN, new PairingProvider().descriptor().alpn());
    }
}
