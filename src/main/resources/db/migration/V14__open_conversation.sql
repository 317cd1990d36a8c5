-- Open conversations and the instant each has been idle since, in their own narrow table, kept by the statement
-- that writes conversation state (StateWriter). This replaces the partial index conversation_idle, which named
-- status, status_at and last_activity_at: any update that changed one of them (every message, every close) could
-- not be a HOT update and added an entry to each of conversation's indexes. In a sweep of 100,000 idle
-- conversations just after a checkpoint, those entries logged 16,700 full-page images (about 71 MB of WAL).
-- Now such updates are HOT where the page has room; fillfactor 80 keeps room on pages written from now on.
CREATE TABLE open_conversation (
    conversation_id text        COLLATE "C" PRIMARY KEY,
    source          text        COLLATE "C" NOT NULL,
    idle_since      timestamptz               -- GREATEST(last_activity_at, status_at, opened_at) of the conversation
);
CREATE INDEX open_conversation_idle ON open_conversation (source, idle_since);

INSERT INTO open_conversation (conversation_id, source, idle_since)
SELECT id, source, GREATEST(last_activity_at, status_at, opened_at) FROM conversation WHERE status = 'open';

DROP INDEX conversation_idle;
ALTER TABLE conversation SET (fillfactor = 80);
