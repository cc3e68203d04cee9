// SQLite's functions that the store's SQL calls, defined on PostgreSQL under the same names and
// with SQLite's results, so that SQL runs unchanged on both (docs/decisions/
// 0019-store-sql-on-postgresql.md). Installed (or replaced) by `migrate` on every open: they are
// the dialect's, not the schema's, and cost a few milliseconds.
// - json_each(text): a JSON array's elements (key = index) or an object's members, as text
//   (SQLite types each value; compare an integer column with CAST(value AS INTEGER)).
// - json_extract(text, '$.a.b' / '$[0]'): the value at the path, as text.
// - json_quote(text), instr(text, text).
// - Scalar max(a, b) and min(a, b): NULL when either is NULL (PostgreSQL's GREATEST/LEAST ignore NULLs).
// - Aggregate group_concat(x) and group_concat(x, separator), DISTINCT too: the non-NULL values as
//   text joined by ',' (or the separator), NULL when there are none. Like SQLite, the order is
//   the rows' unless the call says ORDER BY.
export const SQLITE_FUNCTIONS = `
CREATE OR REPLACE FUNCTION json_each(doc text) RETURNS TABLE(key text, value text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT (e.n - 1)::text, e.v
    FROM json_array_elements_text(CASE WHEN json_typeof(doc::json) = 'array' THEN doc::json ELSE '[]'::json END) WITH ORDINALITY AS e(v, n)
  UNION ALL
  SELECT o.key, o.value FROM json_each_text(CASE WHEN json_typeof(doc::json) = 'object' THEN doc::json ELSE '{}'::json END) AS o
$$;
CREATE OR REPLACE FUNCTION json_extract(doc text, path text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN path = '$' THEN doc
    ELSE doc::json #>> string_to_array(ltrim(regexp_replace(substr(path, 2), '\\[(\\d+)\\]', '.\\1', 'g'), '.'), '.') END
$$;
CREATE OR REPLACE FUNCTION json_quote(v text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT to_json(v)::text $$;
CREATE OR REPLACE FUNCTION instr(haystack text, needle text) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT strpos(haystack, needle) $$;
CREATE OR REPLACE FUNCTION max(a anycompatible, b anycompatible) RETURNS anycompatible
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT CASE WHEN a IS NULL OR b IS NULL THEN NULL ELSE GREATEST(a, b) END $$;
CREATE OR REPLACE FUNCTION min(a anycompatible, b anycompatible) RETURNS anycompatible
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT CASE WHEN a IS NULL OR b IS NULL THEN NULL ELSE LEAST(a, b) END $$;
CREATE OR REPLACE FUNCTION ventil_group_concat_step(acc text, v anyelement, sep text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN v IS NULL THEN acc WHEN acc IS NULL THEN v::text ELSE acc || coalesce(sep, '') || v::text END
$$;
CREATE OR REPLACE FUNCTION ventil_group_concat_step(acc text, v anyelement) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT ventil_group_concat_step(acc, v, ',') $$;
CREATE OR REPLACE AGGREGATE group_concat(anyelement) (SFUNC = ventil_group_concat_step, STYPE = text, PARALLEL = SAFE);
CREATE OR REPLACE AGGREGATE group_concat(anyelement, text) (SFUNC = ventil_group_concat_step, STYPE = text, PARALLEL = SAFE);
`;
