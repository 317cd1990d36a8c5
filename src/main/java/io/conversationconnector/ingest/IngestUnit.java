package io.conversationconnector.ingest;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.conversationconnector.auth.InboundRequest;
import io.conversationconnector.mapping.MappingContext;

/**
 * Everything one webhook request produces on its way through the routes; kept in the exchange property
 * {@value #PROPERTY}. It is committed as a unit: all its events and its replay key, or nothing.
 */
public final class IngestUnit {
    public static final String PROPERTY = "ingest";

    private final InboundRequest request;
    private final String kind;
    private final Map<String, String> storedHeaders;
    private JsonNode payload;
    private String replayKey;
    private final List<PendingEvent> events = new ArrayList<>();

    public IngestUnit(InboundRequest request, String kind, Map<String, String> storedHeaders) {
        this.request = request;
        this.kind = kind;
        this.storedHeaders = storedHeaders;
    }

    public InboundRequest request() {
        return request;
    }

    public String sourceId() {
        return request.source().id();
    }

    public MappingContext mappingContext() {
        return new MappingContext(request.source(), kind, request.body(), request.receivedAt());
    }

    /** Request headers worth keeping for diagnosis: an allow-list, so no credential is ever stored. */
    public Map<String, String> storedHeaders() {
        return storedHeaders;
    }

    public JsonNode payload() {
        return payload;
    }

    void payload(JsonNode payload) {
        this.payload = payload;
    }

    public String replayKey() {
        return replayKey;
    }

    void replayKey(String replayKey) {
        this.replayKey = replayKey;
    }

    public List<PendingEvent> events() {
        return Collections.unmodifiableList(events);
    }

    void addEvent(PendingEvent event) {
        events.add(event);
    }
}
