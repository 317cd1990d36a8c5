-- When a subscription's deliveries started failing without a success since; cleared by any success.
ALTER TABLE subscription_state ADD COLUMN failing_since timestamptz;
