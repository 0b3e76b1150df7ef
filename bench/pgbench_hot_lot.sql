-- The bid transaction of the PlaceBid use case, as raw SQL: the ceiling the use case is
-- compared with. Same statements in the same order: read the trading organisation (only an
-- active one trades), read the auction and its admissions, lock the lot, read its offers,
-- insert the bid, advance the lot, append the journal entry, write the outbox message.
-- Variables: lot, auction, org (ids, bound as parameters: -M prepared), set by bench/hot_lot.py.
\set n random(1, 1000000000)
BEGIN;
SELECT * FROM organizations WHERE id = :org;
SELECT a.* FROM auctions a JOIN lots l ON l.auction_id = a.id WHERE l.id = :lot;
SELECT * FROM admissions WHERE auction_id = :auction;
SELECT version, journal_seq FROM lots WHERE id = :lot FOR UPDATE \gset
SELECT * FROM offers WHERE lot_id = :lot;
INSERT INTO bids (id, lot_id, position, organization_id, placed_by, amount, currency, placed_at)
  VALUES (md5(random()::text), :lot, :journal_seq + 1000000, :org, 'pgbench', 85000 + :n, 'RUB', now());
UPDATE lots SET version = version + 1, journal_seq = journal_seq + 1, journal_hash = md5(random()::text)
  WHERE id = :lot;
INSERT INTO journal (lot_id, seq, kind, recorded_at, data, prev_hash, hash)
  VALUES (:lot, :journal_seq + 1, 'bid', now(), '{}', md5(random()::text), md5(random()::text));
INSERT INTO outbox (id, name, payload, occurred_at)
  VALUES (md5(random()::text), 'lot.bid_placed', '{}', now());
END;
