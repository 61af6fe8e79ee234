package dev.tandem.pairing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.core.NetworkIdentity;
import dev.tandem.core.NodeId;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(30)
class PairingUriTest {
    private static final NodeId NODE = NetworkIdentity.generate().nodeId();
    private static final List<String> WORDS = PairingCode.generate().words();
    private static final String CODE = String.join("-", WORDS);

    @Test
    void roundTrips() {
        PairingUri u = new PairingUri(WORDS, NODE, List.of(new InetSocketAddress("127.0.0.1", 5000),
                new InetSocketAddress("::1", 6000)));
        URI uri = u.toUri();
        assertTrue(uri.toString().startsWith("tandem:pair?code=" + CODE + "&node=" + NODE.toHex()));
        assertTrue(uri.toString().contains("&addr=[0:0:0:0:0:0:0:1]:6000"), uri.toString());
        assertEquals(u, PairingUri.parse(uri));
        assertEquals(u, PairingUri.parse("  " + uri + "\n"));
        assertFalse(u.toString().contains(WORDS.get(0) + "-"), "toString hides the code");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "http:pair?code=%s&node=%s",
        "tandem://pair?code=%s&node=%s",
        "tandem:join?code=%s&node=%s",
        "tandem:pair?code=%s",
        "tandem:pair?node=%2$s",
        "tandem:pair?code=%s&node=%s&code=%1$s",
        "tandem:pair?code=%s&node=%s&node=%2$s",
        "tandem:pair?code=%s&node=%s&x=1",
        "tandem:pair?code=%s&node=%s&addr=example.com:5000",
        "tandem:pair?code=%s&node=%s&addr=127.0.0.1",
        "tandem:pair?code=%s&node=%s&addr=127.0.0.1:0",
        "tandem:pair?code=%s&node=%s&addr=127.0.0.1:70000",
        "tandem:pair?code=%s&node=%s&addr=300.0.0.1:5000",
        "tandem:pair?code=%s&node=%s&addr=[zz::1]:5000",
        "tandem:pair?code=%s&node=%s&",
        "tandem:pair?code=%s&node=%s#frag",
        "tandem:pair?code=%s&node=abc",
        "tandem:pair?code=A-B&node=%2$s",
    })
    void malformedLinksAreTyped(String template) {
        String link = String.format(template, CODE, NODE.toHex());
        assertThrows(PairingUriException.class, () -> PairingUri.parse(link), link);
    }

    @Test
    void tooManyAddressesOrTooLong() {
        StringBuilder b = new StringBuilder("tandem:pair?code=" + CODE + "&node=" + NODE.toHex());
        for (int i = 0; i < 9; i++) {
            b.append("&addr=10.0.0.").append(i + 1).append(":5000");
        }
        assertThrows(PairingUriException.class, () -> PairingUri.parse(b.toString()));
        assertThrows(PairingUriException.class, () -> PairingUri.parse("tandem:pair?code=" + "a".repeat(3000)));
    }

    @Test
    void badWordsInALinkAreWordCodeErrors() {
        List<String> w = new java.util.ArrayList<>(WORDS);
        w.set(2, "abandun");
        String link = "tandem:pair?code=" + String.join("-", w) + "&node=" + NODE.toHex();
        WordCodeException e = assertThrows(WordCodeException.class, () -> PairingUri.parse(link));
        assertEquals(3, e.position());
    }
}
