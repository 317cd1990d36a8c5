-- Per-conversation FIFO for ordered subscriptions: the key of the conversation an outbox row belongs to (null =
-- not ordered). A row is claimable only when no earlier row with the same key is still pending or retrying.
ALTER TABLE outbox ADD COLUMN ordering_key text;
CREATE INDEX outbox_ordered_unfinished ON outbox (subscription_id, ordering_key, id)
    WHERE ordering_key IS NOT NULL AND state IN ('pending', 'retrying');

-- Per-subscription rate limit shared by every connector node: a token bucket claims take from.
ALTER TABLE subscription_state ADD COLUMN rate_tokens double precision;
ALTER TABLE subscription_state ADD COLUMN rate_updated_at timestamptz;
