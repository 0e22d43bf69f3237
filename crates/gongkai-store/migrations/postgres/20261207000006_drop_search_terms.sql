-- 热门搜索 is counted from `search_term_clients` (distinct clients per query and day); the raw
-- per-query search counts were read by nothing any more.
DROP TABLE search_terms;
