// Rule versions in the store. A version's content never changes; the only change a version
// ever sees is the closing of its validity (`valid_to`) when it is retired or superseded,
// and that date is never earlier than the moment of the change, so settled orders keep the
// rule they used.
import type { Rule } from '../domain/scenario.js';
import { contentHash } from './hash.js';
import { ruleContent } from './scenario-repo.js';
import { all, first, qb, run } from './query.js';
import type { RuleDraftsTable } from './schema.js';
import type { Db } from './db.js';

export interface StoredRule extends Rule {
  status: 'active' | 'retired';
  created_at: string;
  /** Who published the version in the back office; null when it came from an imported file. */
  published_by: { id: string; name: string } | null;
}

interface RuleRow {
  id: string; version: number; rule_group: string; name: string | null; description: string | null; priority: number;
  valid_from: string; valid_to: string | null; when_json: string; legs_json: string; status: 'active' | 'retired'; created_at: string;
  published_by: string | null; published_by_name: string | null;
}

function fromRow(r: RuleRow): StoredRule {
  return {
    id: r.id, version: r.version, group: r.rule_group,
    ...(r.name === null ? {} : { name: r.name }), ...(r.description === null ? {} : { description: r.description }),
    priority: r.priority, valid_from: r.valid_from, valid_to: r.valid_to,
    when: JSON.parse(r.when_json), legs: JSON.parse(r.legs_json), status: r.status, created_at: r.created_at,
    published_by: r.published_by === null ? null : { id: r.published_by, name: r.published_by_name ?? r.published_by },
  } as StoredRule;
}

export function listRuleVersions(db: Db, id?: string): StoredRule[] {
  const rows = id === undefined
    ? db.prepare('SELECT * FROM rules ORDER BY rule_group, id, version').all()
    : db.prepare('SELECT * FROM rules WHERE id = ? ORDER BY version').all(id);
  return (rows as RuleRow[]).map(fromRow);
}

export function insertRuleVersion(db: Db, rule: Rule, createdAt: string, publisher: { id: string; name: string } | null = null): void {
  db.prepare(`INSERT INTO rules (id, version, rule_group, name, description, priority, valid_from, valid_to, when_json, legs_json, content_hash, status, created_at,
      published_by, published_by_name)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?)`).run(
    rule.id, rule.version, rule.group, rule.name ?? null, rule.description ?? null, rule.priority, rule.valid_from, rule.valid_to ?? null,
    JSON.stringify(rule.when ?? {}), JSON.stringify(rule.legs ?? []), contentHash(ruleContent(rule)), createdAt, publisher?.id ?? null, publisher?.name ?? null,
  );
}

// ---- Drafts (migration 0013) ------------------------------------------------------------------

export type DraftRow = RuleDraftsTable;

export function nextDraftNumber(db: Db): number {
  return (first(db, qb.selectFrom('rule_drafts').select((eb) => eb.fn.countAll<number>().as('n')))?.n ?? 0) + 1;
}

export function getDraft(db: Db, id: string): DraftRow | undefined {
  return first(db, qb.selectFrom('rule_drafts').selectAll().where('id', '=', id));
}

export function listDrafts(db: Db, status: readonly DraftRow['status'][]): DraftRow[] {
  return all(db, qb.selectFrom('rule_drafts').selectAll().where('status', 'in', [...status]).orderBy('updated_at', 'desc').orderBy('id', 'desc'));
}

export function insertDraft(db: Db, row: DraftRow): void {
  run(db, qb.insertInto('rule_drafts').values(row));
}

export function updateDraft(db: Db, id: string, set: Partial<Omit<DraftRow, 'id'>>): void {
  run(db, qb.updateTable('rule_drafts').set(set).where('id', '=', id));
}

/** Closes a version's validity at `at` (never reopens it). */
export function closeRuleVersion(db: Db, id: string, version: number, at: string, retire: boolean): void {
  db.prepare(`UPDATE rules SET valid_to = ?, status = CASE WHEN ? THEN 'retired' ELSE status END WHERE id = ? AND version = ?`)
    .run(at, retire ? 1 : 0, id, version);
}
