package io.conversationconnector.ingest;

import org.apache.camel.Exchange;
import org.apache.camel.Message;

/**
 * Starts an HTTP answer on the exchange's message. All headers go first: platform-http would otherwise echo the
 * request's headers (credentials included) in the response.
 */
public final class HttpResponses {
    private HttpResponses() {
    }

    public static Message start(Exchange exchange, int status, String contentType) {
        Message m = exchange.getMessage();
        m.getHeaders().clear();
        m.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        m.setHeader(Exchange.CONTENT_TYPE, contentType);
        return m;
    }

    public static void json(Exchange exchange, int status, String body) {
        start(exchange, status, "application/json").setBody(body);
    }
}
