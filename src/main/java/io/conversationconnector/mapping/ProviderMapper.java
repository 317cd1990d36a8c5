package io.conversationconnector.mapping;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/** Translates one provider payload (a JSON object) into one or more canonical events; the first is the primary. */
public interface ProviderMapper {
    List<MappedEvent> map(JsonNode body, MappingContext context);
}
