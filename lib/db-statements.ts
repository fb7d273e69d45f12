// Names for server-side prepared statements on a Postgres server (docs/operators.md, "Prepared
// statements"). A named statement is parsed and analysed once per connection, and after five
// runs Postgres may keep one generic plan for it instead of planning every run: the timeline's
// batch write, a statement of several CTEs, costs more to plan than to run.
//
// Every text is named, up to the cap. A generic plan is made without the parameters' values,
// so it goes wrong where a plan depends on them; the review of every statement the integration
// tests and the reader's pages run (EXPLAIN ANALYZE under force_generic_plan and
// force_custom_plan, in a 100,000-event room beside 100 small ones) found two such kinds, both
// fixed in the query texts:
// - an optional bound written `$n IS NULL OR position > $n`: a custom plan drops the OR and
//   starts its index scan at the bound, a generic plan keeps it as a filter and reads every
//   item before it (a room export read the whole room again for each chunk). Absent bounds are
//   now left out of the text, and mayName refuses any text that still has the pattern;
// - a partial index is usable by a generic plan only when the text itself implies the index's
//   predicate. The app writes those predicates as literals (`kind = 'gap'`) or as a strict
//   comparison (`redacts = $1` implies `redacts IS NOT NULL`); a new query on those columns
//   must too.
// Skew (one huge room among small ones) changed no plan for the worse: the app's reads walk
// (room_id, position) or (room_id, ts) indexes, which suit a room of any size.

/**
 * Distinct statement texts one process names at most. Prisma writes a text per shape (an
 * `IN (…)` list or a VALUES list has one placeholder per value), so the shapes are many while
 * the hot ones are few and come early (the whole integration suite runs about 200 texts). Each
 * named text is prepared lazily on every pooled connection that runs it and stays there for the
 * connection's life (node-postgres never deallocates), so a connection holds at most this many.
 */
export const MAX_NAMED_STATEMENTS = 500;

/** An optional parameter tested inline: its generic plan cannot use it as an index bound. */
const OPTIONAL_PARAMETER = /\$\d+(::[a-z_]+(\[\])?)? IS NULL OR\b/i;

/**
 * Whether a statement text may be named. Not when its generic plan would be slow, nor when it
 * may hold several commands: a named statement goes through the extended protocol, which takes
 * one, where node-postgres sends an unnamed text without parameters as a simple query, which
 * takes a script. A `;` inside a literal only costs that text its name.
 */
export function mayName(sql: string): boolean {
  return !OPTIONAL_PARAMETER.test(sql) && !sql.trimEnd().replace(/;$/, "").includes(";");
}

/**
 * The `statementNameGenerator` of @prisma/adapter-pg: the same text gets the same name for the
 * life of the process, which node-postgres requires (one name, one text, on every connection);
 * the empty name is Postgres's unnamed statement, parsed and planned for each run.
 *
 * Names are handed out first come, never taken back: a text unnamed to make room would stay
 * prepared on the connections that had it, so only a fixed set bounds what the server holds.
 */
export function statementNamer(max = MAX_NAMED_STATEMENTS): (query: { sql: string }) => string {
  const names = new Map<string, string>();
  return ({ sql }) => {
    const known = names.get(sql);
    if (known !== undefined) return known;
    if (names.size >= max || !mayName(sql)) return "";
    const name = `archive_${names.size}`;
    names.set(sql, name);
    return name;
  };
}
