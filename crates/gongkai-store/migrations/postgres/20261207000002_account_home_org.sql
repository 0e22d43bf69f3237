-- The organisation an account belongs to while it holds no grant (recorded when it is created), so
-- administrative powers over it follow the organisation tree. NULL: created by an operator at the
-- command line; then only administrators of a root organisation act on it.

ALTER TABLE users ADD COLUMN home_org_id BIGINT REFERENCES orgs (id);
