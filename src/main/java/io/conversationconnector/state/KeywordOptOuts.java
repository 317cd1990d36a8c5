package io.conversationconnector.state;

import static io.conversationconnector.canonical.EventTypes.CONTACT_OPTED_IN;
import static io.conversationconnector.canonical.EventTypes.CONTACT_OPTED_OUT;
import static io.conversationconnector.canonical.EventTypes.MESSAGE_INBOUND;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.conversationconnector.canonical.Sections;
import io.conversationconnector.config.SourceConfig;
import io.conversationconnector.mapping.MappedEvent;

/**
 * Adds a contact.opted_out (or contact.opted_in) event after every inbound message that is exactly an opt-out
 * (opt-in) keyword of its source. Its key is the message's key plus ":keyword", so it dedupes with the message.
 */
public final class KeywordOptOuts {
    private final Map<String, KeywordDetector> bySource = new ConcurrentHashMap<>();

    public List<MappedEvent> addDerived(List<MappedEvent> mapped, SourceConfig source) {
        List<MappedEvent> out = null;
        for (MappedEvent m : mapped) {
            if (!MESSAGE_INBOUND.equals(m.type()) || m.message() == null || m.contact() == null) {
                continue;
            }
            KeywordDetector detector = bySource.computeIfAbsent(source.id(),
                    id -> new KeywordDetector(source.optOutKeywords(), source.optInKeywords()));
            KeywordDetector.Match match = detector.detect(m.message().text());
            if (match == KeywordDetector.Match.NONE) {
                continue;
            }
            if (out == null) {
                out = new ArrayList<>(mapped);
            }
            String type = match == KeywordDetector.Match.OPT_OUT ? CONTACT_OPTED_OUT : CONTACT_OPTED_IN;
            out.add(new MappedEvent(type, m.providerEventId() + ":keyword", m.occurredAt())
                    .conversation(m.conversation())
                    .contact(m.contact())
                    .optOut(new Sections.OptOut("keyword", KeywordDetector.normalise(m.message().text()))));
        }
        return out == null ? mapped : out;
    }
}
