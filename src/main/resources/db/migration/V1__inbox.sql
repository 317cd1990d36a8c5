-- One row per canonical event. The unique (source, provider_event_id) constraint is the dedupe:
-- a provider's redelivery inserts nothing (INSERT ... ON CONFLICT DO NOTHING), atomically.
CREATE TABLE inbox_event (
    id                text        PRIMARY KEY,
    source            text        NOT NULL,
    provider          text        NOT NULL,
    provider_event_id text        NOT NULL,
    type              text        NOT NULL,
    branch            text        NOT NULL,
    occurred_at       timestamptz NOT NULL,
    received_at       timestamptz NOT NULL,
    conversation_id   text,
    contact_phone     text,
    canonical         jsonb       NOT NULL,
    raw_body          text        NOT NULL,
    request_headers   jsonb       NOT NULL,
    CONSTRAINT inbox_event_dedupe UNIQUE (source, provider_event_id)
);

CREATE INDEX inbox_event_received_at ON inbox_event (received_at);

-- Sinch signature nonces: a reused nonce is refused, also after a restart.
CREATE TABLE webhook_nonce (
    source  text        NOT NULL,
    nonce   text        NOT NULL,
    seen_at timestamptz NOT NULL,
    PRIMARY KEY (source, nonce)
);

CREATE INDEX webhook_nonce_seen_at ON webhook_nonce (seen_at);
