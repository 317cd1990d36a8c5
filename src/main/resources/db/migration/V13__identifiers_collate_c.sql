-- Identifiers (ids, sources, provider ids, phone numbers, subscription ids, nonces) are compared byte by byte.
-- Under a database's linguistic collation, even C.UTF-8 from libc, every B-tree comparison of an indexed text column
-- went through strcoll. In perf profiles of an inactivity sweep, those calls were about 13 % of PostgreSQL's CPU.
-- With "C" they are a memcmp. Where these columns are ordered (keyset pages, retention's id range, lock order), the
-- order only has to be stable and match the comparisons, and byte order does; for ULIDs it is also time order.
-- Only the collation changes, so PostgreSQL does not rewrite the tables; it rebuilds the indexes on these columns.
ALTER TABLE inbox_event
    ALTER COLUMN id TYPE text COLLATE "C",
    ALTER COLUMN source TYPE text COLLATE "C",
    ALTER COLUMN provider_event_id TYPE text COLLATE "C",
    ALTER COLUMN conversation_id TYPE text COLLATE "C";
ALTER TABLE conversation
    ALTER COLUMN id TYPE text COLLATE "C",
    ALTER COLUMN source TYPE text COLLATE "C",
    ALTER COLUMN provider_conversation_id TYPE text COLLATE "C",
    ALTER COLUMN contact_phone TYPE text COLLATE "C";
ALTER TABLE contact_window
    ALTER COLUMN contact_phone TYPE text COLLATE "C",
    ALTER COLUMN source TYPE text COLLATE "C";
ALTER TABLE outbox
    ALTER COLUMN event_id TYPE text COLLATE "C",
    ALTER COLUMN subscription_id TYPE text COLLATE "C",
    ALTER COLUMN ordering_key TYPE text COLLATE "C";
ALTER TABLE opt_out ALTER COLUMN phone TYPE text COLLATE "C";
ALTER TABLE opt_out_history ALTER COLUMN phone TYPE text COLLATE "C";
ALTER TABLE subscription_state ALTER COLUMN id TYPE text COLLATE "C";
ALTER TABLE webhook_nonce
    ALTER COLUMN source TYPE text COLLATE "C",
    ALTER COLUMN nonce TYPE text COLLATE "C";
