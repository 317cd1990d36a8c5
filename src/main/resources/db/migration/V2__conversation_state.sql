-- Conversation state, WhatsApp windows and opt-outs, written in the same transaction as the events that
-- change them. Every update is monotonic in event time, so events arriving out of order never move state back.

CREATE TABLE conversation (
    id                       text        PRIMARY KEY,          -- our stable id: conv_<ULID>
    source                   text        NOT NULL,
    provider_conversation_id text        NOT NULL,
    channel                  text,
    contact_phone            text,
    provider_contact_id      text,
    status                   text        NOT NULL,             -- open | closed | deleted
    status_at                timestamptz,                      -- event time of the event that set status
    opened_at                timestamptz,
    last_activity_at         timestamptz,                      -- last inbound or outbound message
    last_inbound_at          timestamptz,
    closed_at                timestamptz,
    closure_reason           text,
    created_at               timestamptz NOT NULL,
    updated_at               timestamptz NOT NULL,
    CONSTRAINT conversation_provider_key UNIQUE (source, provider_conversation_id)
);
CREATE INDEX conversation_contact ON conversation (contact_phone);

-- One WhatsApp window per contact and source (a source is one provider account / business number).
CREATE TABLE contact_window (
    contact_phone        text        NOT NULL,
    source               text        NOT NULL,
    last_inbound_at      timestamptz,       -- customer-service window = last_inbound_at + 24h
    provider_expires_at  timestamptz,       -- what the provider reported (Rasayel)
    closed_reported_at   timestamptz,       -- provider said the window is closed (Sinch OUTSIDE_ALLOWED_SENDING_WINDOW)
    fep_conversation_id  text,
    fep_started_at       timestamptz,
    fep_expires_at       timestamptz,       -- free-entry-point window (72h)
    pricing_category     text,
    pricing_at           timestamptz,
    updated_at           timestamptz NOT NULL,
    PRIMARY KEY (contact_phone, source)
);

-- One suppression list across all sources, keyed by E.164 phone; the current state plus its full history.
CREATE TABLE opt_out (
    phone      text        PRIMARY KEY,
    opted_out  boolean     NOT NULL,
    changed_at timestamptz NOT NULL,        -- event time of the deciding change
    reason     text,
    keyword    text,
    source     text,
    event_id   text,
    actor      text        NOT NULL,        -- provider:<source> | keyword:<source> | operator:<name>
    note       text
);
CREATE INDEX opt_out_active ON opt_out (changed_at) WHERE opted_out;

CREATE TABLE opt_out_history (
    id          bigserial   PRIMARY KEY,
    phone       text        NOT NULL,
    opted_out   boolean     NOT NULL,
    occurred_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL,
    reason      text,
    keyword     text,
    source      text,
    event_id    text,
    actor       text        NOT NULL,
    note        text
);
CREATE INDEX opt_out_history_phone ON opt_out_history (phone, occurred_at);

-- A conversation's history (admin API). Time ranges over events use the primary key instead: event ids are
-- time-ordered ULIDs, so every extra index here would only slow ingest down.
CREATE INDEX inbox_event_conversation ON inbox_event (source, conversation_id);
DROP INDEX inbox_event_received_at;
