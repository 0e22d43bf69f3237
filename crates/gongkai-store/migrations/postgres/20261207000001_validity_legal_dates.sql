-- Validity changes carry the date they took legal effect (`on_date`) beside the instant they were
-- recorded (`at`): an expiry the day after 有效期至; a repeal, replacement or amendment on the
-- 施行日期 of the document causing it, else its publication date; a cleanup decision on the date
-- its catalogue states; an import's statement on the source's date, or NULL when the source gave
-- none. A change whose legal date is still ahead is recorded `pending` and applied on that date.
-- `documents.ended_on` is the first day a document is no longer in force as far as dated changes
-- and its 有效期 tell ("valid on a date"); `cleanup_campaigns.decided_on` is the catalogue's date.

ALTER TABLE validity_events ALTER COLUMN on_date DROP NOT NULL;
ALTER TABLE validity_events ADD COLUMN pending BOOLEAN NOT NULL DEFAULT FALSE;
DROP INDEX validity_events_document;
CREATE INDEX validity_events_document ON validity_events (document_id, on_date);
CREATE INDEX validity_events_pending ON validity_events (on_date) WHERE pending = TRUE;

-- Recompute the legal dates of the recorded changes.
-- Expiry: the day after 有效期至.
UPDATE validity_events e SET on_date = d.expires_on + 1 FROM documents d
WHERE d.id = e.document_id AND e.to_state = 'expired' AND e.cause_document_id IS NULL
  AND e.reason IN ('有效期届满', '按施行日期和有效期计算') AND d.expires_on IS NOT NULL;
-- Entry into force: the 施行日期, else the publication date.
UPDATE validity_events e SET on_date = COALESCE(d.effective_on, d.published_on) FROM documents d
WHERE d.id = e.document_id AND e.to_state = 'in_force' AND e.cause_document_id IS NULL
  AND e.reason IN ('到达施行日期', '按施行日期和有效期计算') AND COALESCE(d.effective_on, d.published_on) IS NOT NULL;
-- Published before its 施行日期: the publication date.
UPDATE validity_events e SET on_date = d.published_on FROM documents d
WHERE d.id = e.document_id AND e.to_state = 'pending' AND e.cause_document_id IS NULL AND d.published_on IS NOT NULL;
-- Repeal, replacement, amendment: the causing document's 施行日期, else its publication date.
UPDATE validity_events e SET on_date = COALESCE(c.effective_on, c.published_on) FROM documents c
WHERE c.id = e.cause_document_id AND COALESCE(c.effective_on, c.published_on) IS NOT NULL;
-- An import's statement carried no date from its source.
UPDATE validity_events SET on_date = NULL WHERE reason = '导入时的有效性';
-- Imported documents whose stated validity was stored without a change record get one, undated.
INSERT INTO validity_events (document_id, from_state, to_state, on_date, at, reason)
    SELECT d.id, 'unknown', d.validity, NULL, d.created_at, '导入时的有效性' FROM documents d
    WHERE d.external_id IS NOT NULL AND d.validity IN ('amended', 'partially_invalid', 'expired', 'repealed')
      AND NOT EXISTS (SELECT 1 FROM validity_events e WHERE e.document_id = d.id);
-- A change caused by a document whose 施行日期 is still ahead (the last change of its document)
-- takes effect then: it becomes pending and the document returns to its earlier state.
UPDATE validity_events e SET pending = TRUE
WHERE e.cause_document_id IS NOT NULL AND e.on_date > (now() AT TIME ZONE 'Asia/Shanghai')::date
  AND NOT EXISTS (SELECT 1 FROM validity_events l WHERE l.document_id = e.document_id AND l.id > e.id
                  AND (l.cause_document_id IS NULL OR l.on_date IS NULL
                       OR l.on_date <= (now() AT TIME ZONE 'Asia/Shanghai')::date));
UPDATE documents d SET validity = (
    SELECT e.from_state FROM validity_events e WHERE e.document_id = d.id AND e.pending = TRUE
    ORDER BY e.id LIMIT 1)
WHERE d.id IN (SELECT document_id FROM validity_events WHERE pending = TRUE);

ALTER TABLE documents ADD COLUMN ended_on DATE;
UPDATE documents d SET ended_on = LEAST(d.expires_on + 1, (
    SELECT MIN(e.on_date) FROM validity_events e
    WHERE e.document_id = d.id AND e.to_state IN ('repealed', 'expired')));
CREATE INDEX documents_class_ended ON documents (class, ended_on);

ALTER TABLE cleanup_campaigns ADD COLUMN decided_on DATE;
