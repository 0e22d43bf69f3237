-- A screening is tied to a hash of exactly the content it screened (title, body, attachments,
-- interpretation fields; a reply's text): a change of content makes it stale, and approval and
-- publication compare the hash in their transaction. Screenings made before this migration
-- carry no hash and are redone on the next step.
ALTER TABLE screenings ADD COLUMN content_hash TEXT NOT NULL DEFAULT '';

-- An override covers the one screening it was given on; a new screening of changed content
-- needs its own.
ALTER TABLE review_overrides ADD COLUMN screening_id BIGINT;
