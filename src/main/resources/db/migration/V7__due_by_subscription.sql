-- Claims go subscription by subscription, so a paused subscription's backlog is never walked through while
-- claiming for the others; the index serves the per-subscription backlog figures too.
CREATE INDEX outbox_due_by_subscription ON outbox (subscription_id, next_attempt_at) WHERE state IN ('pending', 'retrying');
DROP INDEX outbox_due;
