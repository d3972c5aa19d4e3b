-- Throttling counters (rate-limiter-flexible's PostgreSQL store, in the shape it expects), so
-- that every app instance sharing the database counts sign-in and API key failures together.
CREATE TABLE "rate_limit" (
    "key" VARCHAR(255) NOT NULL,
    "points" INTEGER NOT NULL DEFAULT 0,
    "expire" BIGINT,

    CONSTRAINT "rate_limit_pkey" PRIMARY KEY ("key")
);
