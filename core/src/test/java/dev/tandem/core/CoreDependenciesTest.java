package dev.tandem.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Core's API and compile scope stay free of transport, JSON and CLI libraries. */
class CoreDependenciesTest {
    @Test
    void moduleRequiresOnlyTheJdkAndSlf4j() throws Exception {
        Path classes = Path.of(NodeId.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        try (InputStream in = Files.newInputStream(classes.resolve("module-info.class"))) {
            ModuleDescriptor d = ModuleDescriptor.read(in);
            assertEquals("dev.tandem.core", d.name());
            Set<String> requires = d.requires().stream().map(ModuleDescriptor.Requires::name)
                    .collect(Collectors.toSet());
            assertEquals(Set.of("java.base", "org.slf4j"), requires);
        }
    }

    @Test
    void noTransportJsonOrCliLibraryIsOnCoresClassPath() {
        for (String cls : List.of("tech.kwik.core.QuicConnection", "com.fasterxml.jackson.databind.ObjectMapper",
                "picocli.CommandLine", "io.netty.channel.Channel", "org.bouncycastle.jce.provider.BouncyCastleProvider")) {
            assertThrows(ClassNotFoundException.class, () -> Class.forName(cls), cls + " must not reach core");
        }
    }
}
