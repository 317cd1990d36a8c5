-- Durable delivery to CRMs. One outbox row per (event, subscription), written in the ingest transaction;
-- workers lease due rows (FOR UPDATE SKIP LOCKED), POST, and move the row along one state machine:
-- pending -> delivered | retrying -> ... -> delivered | dead. Every attempt is recorded.

CREATE TABLE subscription_state (
    id              text        PRIMARY KEY,
    enabled         boolean     NOT NULL,
    disabled_reason text,
    disabled_at     timestamptz,
    updated_at      timestamptz NOT NULL
);

CREATE TABLE outbox (
    id              bigserial   PRIMARY KEY,
    event_id        text        NOT NULL,
    subscription_id text        NOT NULL,
    state           text        NOT NULL,          -- pending | retrying | delivered | dead
    attempts        integer     NOT NULL,
    next_attempt_at timestamptz NOT NULL,
    lease_until     timestamptz,                   -- a worker holds it until then (crash: another takes over)
    created_at      timestamptz NOT NULL,
    finished_at     timestamptz,
    last_status     integer,
    last_error      text,
    CONSTRAINT outbox_event_subscription UNIQUE (event_id, subscription_id)
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE state IN ('pending', 'retrying');

CREATE TABLE delivery_attempt (
    id          bigserial   PRIMARY KEY,
    outbox_id   bigint      NOT NULL,
    attempt     integer     NOT NULL,
    started_at  timestamptz NOT NULL,
    status_code integer,
    latency_ms  integer     NOT NULL,
    outcome     text        NOT NULL,              -- delivered | retry | dead | gone
    error       text
);
CREATE INDEX delivery_attempt_outbox ON delivery_attempt (outbox_id);
