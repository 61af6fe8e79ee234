package dev.tandem.messaging;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What travels in each frame: one JSON object.
 * <pre>
 * {"k":"hello","v":1}                            first frame from the dialling side
 * {"k":"msg","t":"tandem.chat","b":{...}}          fire-and-forget
 * {"k":"req","id":7,"t":"acme.query","b":{...}}    request
 * {"k":"res","id":7,"t":"acme.answer","b":{...}}   its reply
 * {"k":"err","id":7,"c":"unknown-type","m":"..."}  typed error reply (id 0: about a fire-and-forget)
 * {"k":"bye","m":"shutting down"}                  goodbye: the peer is leaving
 * </pre>
 */
record Envelope(String kind, long id, String type, JsonNode body, String code, String message) {
    static final String HELLO = "hello";
    static final String MSG = "msg";
    static final String REQ = "req";
    static final String RES = "res";
    static final String ERR = "err";
    static final String BYE = "bye";
}
