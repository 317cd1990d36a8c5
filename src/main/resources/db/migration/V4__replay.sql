-- A replayed dead letter starts the retry schedule again; attempt numbers keep counting (history stays whole).
ALTER TABLE outbox ADD COLUMN schedule_offset integer NOT NULL DEFAULT 0;
CREATE INDEX outbox_dead ON outbox (subscription_id, finished_at) WHERE state = 'dead';
