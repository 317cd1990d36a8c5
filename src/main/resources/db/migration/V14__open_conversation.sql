-- Open conversations and the instant each has been idle since, in their own narrow table, kept by the statement
-- that writes conversation state (StateWriter). This replaces the partial index conversation_idle, which named
-- status, status_at and last_activity_at: any update that changed one of them (every message, every close) could
-- not be a HOT update and added an entry to each of conversation's indexes. In a sweep of 100,000 idle
-- conversations just after a checkpoint, those entries logged 16,700 full-page images (about 71 MB of WAL).
-- Now such updates are HOT where the page has room; fillfactor 80 keeps room on pages written from now on.
-- It also carries the conversation's fields a conversation.closed event names, so a sweep's find reads this table
-- alone (joined to conversation, each find of 2,000 cost 2,000 more primary-key lookups).
CREATE TABLE open_conversation (
    conversation_id          text        COLLATE "C" PRIMARY KEY,
    source                   text        COLLATE "C" NOT NULL,
    idle_since               timestamptz,   -- GREATEST(last_activity_at, status_at, opened_at) of the conversation
    provider_conversation_id text        NOT NULL,
    channel                  text,
    contact_phone            text,
    provider_contact_id      text
);
CREATE INDEX open_conversation_idle ON open_conversation (source, idle_since);

INSERT INTO open_conversation (conversation_id, source, idle_since, provider_conversation_id, channel, contact_phone, provider_contact_id)
SELECT id, source, GREATEST(last_activity_at, status_at, opened_at), provider_conversation_id, channel, contact_phone,
       provider_contact_id
FROM conversation WHERE status = 'open';

DROP INDEX conversation_idle;
ALTER TABLE conversation SET (fillfactor = 80);
