-- The phone's order, kept whole: besides its newest observed addition (observed_at,
-- observed_rowid), a slot keeps per removed kind the time of its newest observed removal, so a
-- late addition knows whether the phone took it away again (lib/tapbacks/order.ts).
ALTER TABLE "reaction_slot" ADD COLUMN "observed_removals" JSONB;
