package dev.tandem.messaging;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.io.MalformedFrameException;
import java.io.IOException;

/** Envelopes to and from the JSON bytes of one frame; anything malformed is a typed error. */
final class EnvelopeCodec {
    static final int VERSION = 1;
    private final ObjectMapper mapper;

    EnvelopeCodec(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    static ObjectMapper defaultMapper() {
        // Unknown fields are ignored so a newer peer can add fields without breaking older ones.
        return new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    ObjectMapper mapper() {
        return mapper;
    }

    byte[] encode(Envelope e) throws IOException {
        ObjectNode n = mapper.createObjectNode();
        n.put("k", e.kind());
        if (e.id() != 0) {
            n.put("id", e.id());
        }
        if (e.type() != null) {
            n.put("t", e.type());
        }
        if (e.body() != null) {
            n.set("b", e.body());
        }
        if (e.code() != null) {
            n.put("c", e.code());
        }
        if (e.message() != null) {
            n.put("m", e.message());
        }
        if (Envelope.HELLO.equals(e.kind())) {
            n.put("v", VERSION);
        }
        return mapper.writeValueAsBytes(n);
    }

    Envelope decode(byte[] frame) throws MalformedFrameException {
        JsonNode n;
        try {
            n = mapper.readTree(frame);
        } catch (JsonProcessingException e) {
            throw new MalformedFrameException("message is not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new MalformedFrameException("message is not JSON", e);
        }
        if (n == null || !n.isObject()) {
            throw new MalformedFrameException("message is not a JSON object");
        }
        String kind = text(n, "k");
        if (kind == null) {
            throw new MalformedFrameException("message has no kind");
        }
        JsonNode id = n.get("id");
        if (id != null && !id.canConvertToLong()) {
            throw new MalformedFrameException("message id is not a number");
        }
        return new Envelope(kind, id == null ? 0 : id.asLong(), text(n, "t"), n.get("b"), text(n, "c"), text(n, "m"));
    }

    private static String text(JsonNode n, String field) throws MalformedFrameException {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new MalformedFrameException("field '" + field + "' is not a string");
        }
        return v.asText();
    }
}
