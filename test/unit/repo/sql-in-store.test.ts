// SQL lives in core/store only (issue 17 item 5; docs/design.md): the API, the sync runner, the
// adapters, replication, the database process, the command line, the demo and the desktop call
// named repository functions. A statement written elsewhere would also escape the PostgreSQL
// port (issue 13).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');
/** Every folder of core but the store itself, and the desktop's. */
const FOLDERS = [...readdirSync(join(root, 'core')).filter((d) => d !== 'store').map((d) => `core/${d}`), 'electron'];

/** What raw SQL looks like in TypeScript: a prepared statement, a pragma, or a statement in a string. */
const RAW_SQL: { name: string; pattern: RegExp }[] = [
  { name: 'prepare(', pattern: /prepare\(/ },
  { name: '.pragma(', pattern: /\.pragma\(/ },
  { name: '.exec(SQL)', pattern: /\.exec\(\s*[`'"]/ },
  { name: 'SQL text', pattern: /[`'"]\s*(SELECT\s|INSERT\s+INTO\s|UPDATE\s+\w+\s+SET\s|DELETE\s+FROM\s|WITH\s+\w+\s*(\(|AS\s*\())/ },
];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|tsx|mts|mjs)$/.test(name) ? [path] : [];
  });
}

/** Lines of these folders that hold raw SQL, as `file:line: text`. */
export function rawSqlLines(folders: readonly string[]): string[] {
  const found: string[] = [];
  for (const folder of folders) {
    for (const file of sources(join(root, folder))) {
      readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
        if (/^\s*(\/\/|\*)/.test(line)) return; // comments may name SQL
        const hit = RAW_SQL.find((r) => r.pattern.test(line));
        if (hit) found.push(`${relative(root, file)}:${i + 1}: ${hit.name}: ${line.trim().slice(0, 120)}`);
      });
    }
  }
  return found;
}

describe('SQL in the store only', () => {
  it('no raw SQL in core outside core/store, nor in electron/', () => {
    expect(rawSqlLines(FOLDERS)).toEqual([]);
  });

  it('the check sees raw SQL where it is (core/store)', () => {
    const lines = rawSqlLines(['core/store']);
    for (const name of ['prepare(', 'SQL text']) expect(lines.some((l) => l.includes(`: ${name}: `))).toBe(true);
  });
});
