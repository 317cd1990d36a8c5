-- Instants travel to the database as microseconds since the Unix epoch in binary int8 arrays: parsing ISO text
-- (and writing it in Java) cost more than the rest of binding them. Exact integer arithmetic, no float rounding;
-- a value beyond timestamptz's range fails with SQLSTATE 22008 like the text form did. STABLE (timestamptz +
-- interval is) and plain SQL, so the planner inlines it.
CREATE FUNCTION micros_to_timestamptz(micros bigint) RETURNS timestamptz
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT timestamptz 'epoch' + micros * interval '1 microsecond' $$;
