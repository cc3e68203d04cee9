// The pure parts of the replication protocol: scopes, tags, cursors, page planning and the
// checks a replica runs on a page before applying anything (core/replication/*.ts).
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, INITIAL_CURSOR } from '../../../core/replication/cursor.js';
import { checkPage, maskRow, planDocuments, PAGE_FORMAT } from '../../../core/replication/page.js';
import { formatScope, parseScope } from '../../../core/replication/scope.js';
import { deviceTags, staysInScope, tagRelevant, tagsHash } from '../../../core/replication/tags.js';
import { decodeKey, docKind, encodeKey } from '../../../core/store/replicated-set.js';

describe('scopes', () => {
  it('parses the three kinds and refuses the rest', () => {
    expect(parseScope('entity:F001')).toEqual({ kind: 'entity', entity: 'F001' });
    expect(parseScope('region:NORD')).toEqual({ kind: 'region', region: 'NORD' });
    expect(parseScope('network')).toEqual({ kind: 'network' });
    for (const bad of ['', 'entity:', 'store:F001', 'entity:a b', 'region:x;drop', 'networks']) expect(parseScope(bad), bad).toBeNull();
    expect(formatScope(parseScope('region:NORD')!)).toBe('region:NORD');
  });
});

describe('tags', () => {
  it('gives a store its entity, the network and its own answers; a region also its controllers', () => {
    expect(deviceTags({ kind: 'entity', entity: 'F001' }, ['F001'], 'dev1')).toEqual(['*', 'd:dev1', 'e:F001']);
    expect(deviceTags({ kind: 'region', region: 'NORD' }, ['F002', 'F001'], 'dev2')).toEqual(['*', 'd:dev2', 'e:F001', 'e:F002', 'g:NORD']);
    expect(deviceTags({ kind: 'network' }, ['F001'], 'dev3')).toBeNull();
  });

  it('changes the scope fingerprint with the tag set', () => {
    const a = tagsHash(['*', 'e:F001']);
    expect(tagsHash(['*', 'e:F001'])).toBe(a);
    expect(tagsHash(['*', 'e:F001', 'e:F002'])).not.toBe(a);
    expect(tagsHash(null)).toBe('network');
  });

  it('keeps other devices\' answers from a network-wide replica', () => {
    expect(tagRelevant('d:other', null, 'me')).toBe(false);
    expect(tagRelevant('d:me', null, 'me')).toBe(true);
    expect(tagRelevant('e:X', new Set(['e:Y']), 'me')).toBe(false);
    expect(staysInScope(['e:X', 'e:Y'], new Set(['e:Y']))).toBe(true);
    expect(staysInScope(['e:X'], new Set(['e:Y']))).toBe(false);
  });
});

describe('cursors', () => {
  it('round-trip and refuse anything else', () => {
    const c = encodeCursor({ seq: 42, scope: 'abc' });
    expect(decodeCursor(c)).toEqual({ seq: 42, scope: 'abc' });
    expect(decodeCursor(INITIAL_CURSOR)).toEqual({ seq: 0, scope: '' });
    const forged = Buffer.from(JSON.stringify({ v: 1, s: -1, h: 'x' })).toString('base64url');
    for (const bad of ['%%%', 'bm90IGpzb24', forged, Buffer.from('{"v":2,"s":1,"h":""}').toString('base64url'), 'a'.repeat(300)]) {
      expect(decodeCursor(bad), bad).toBeNull();
    }
  });
});

describe('document keys', () => {
  it('encode one column as itself and several as a JSON array', () => {
    expect(encodeKey(['W-1'])).toBe('W-1');
    expect(encodeKey(['LYON', '411000'])).toBe('["LYON","411000"]');
    expect(decodeKey(docKind('account')!, '["LYON","411000"]')).toEqual(['LYON', '411000']);
    expect(decodeKey(docKind('account')!, 'LYON')).toBeNull();
    expect(decodeKey(docKind('account')!, '["LYON"]')).toBeNull();
  });
});

describe('page planning', () => {
  const rows = [
    { seq: 5, tag: 'e:A', kind: 'order', key: 'O1', live: 1 },
    { seq: 5, tag: 'e:B', kind: 'order', key: 'O1', live: 1 },
    { seq: 6, tag: 'e:A', kind: 'user', key: 'u1', live: 0 },
    { seq: 6, tag: 'e:B', kind: 'user', key: 'u1', live: 1 },
    { seq: 7, tag: 'd:other', kind: 'command', key: '["other","c1"]', live: 1 },
  ];

  it('sends a document whole when one of the device\'s tags is live, as a removal when none is', () => {
    expect(planDocuments(rows, new Set(['e:A']), 'me')).toEqual([
      { seq: 5, kind: 'order', key: 'O1', tags: ['e:A'], visible: true },
      { seq: 6, kind: 'user', key: 'u1', tags: [], visible: false },
    ]);
    expect(planDocuments(rows, null, 'me').map((d) => [d.seq, d.visible, d.tags])).toEqual([[5, true, ['e:A', 'e:B']], [6, true, ['e:B']]]);
  });

  it('masks other entities\' PSP accounts and ERP codes', () => {
    const cols = ['id', 'name', 'psp_account', 'erp_code'];
    expect(maskRow('entities', cols, ['B', 'Bee', 'acct_b', '2'], new Set(['A']))).toEqual(['B', 'Bee', null, null]);
    expect(maskRow('entities', cols, ['A', 'Ay', 'acct_a', '1'], new Set(['A']))).toEqual(['A', 'Ay', 'acct_a', '1']);
    expect(maskRow('entities', cols, ['B', 'Bee', 'acct_b', '2'], null)).toEqual(['B', 'Bee', 'acct_b', '2']);
  });
});

describe('page checks', () => {
  const local = (t: string) => (t === 'users' ? ['id', 'name', 'login'] : t === 'orders' ? ['id', 'channel'] : null);
  const page = (over: Record<string, unknown> = {}) => ({
    format: PAGE_FORMAT, from: '', cursor: 'eyJ2IjoxfQ', complete: true, at: '2026-04-01T12:00:00Z', hub_seq: 3,
    columns: { users: ['id', 'name', 'login'] }, docs: [[3, 'user', 'u1', ['e:A'], { users: [['u1', 'Ann', 'ann']] }]], ...over,
  });

  it('accepts a well-formed page', () => {
    expect(checkPage(page(), local).ok).toBe(true);
  });

  it.each([
    ['a row of another document', { docs: [[3, 'user', 'u1', [], { users: [['u2', 'Bob', 'bob']] }]] }, 'foreign_row'],
    ['a table outside the kind', { columns: { orders: ['id', 'channel'] }, docs: [[3, 'user', 'u1', [], { orders: [['u1', 'web']] }]] }, 'table_not_in_kind'],
    ['an unknown table', { columns: { sessions: ['id'] }, docs: [] }, 'unknown_table'],
    ['other columns than the local table\'s', { columns: { users: ['id', 'name', 'password'] } }, 'columns_mismatch'],
    ['a row of the wrong width', { docs: [[3, 'user', 'u1', [], { users: [['u1', 'Ann']] }]] }, 'row_width'],
    ['an unknown kind', { docs: [[3, 'wallet', 'w', [], null]] }, 'unknown_kind'],
    ['a bad composite key', { docs: [[3, 'account', 'LYON', [], null]] }, 'bad_key'],
    ['documents out of order', { docs: [[3, 'user', 'u1', [], null], [2, 'user', 'u2', [], null]] }, 'seq_order'],
  ])('refuses %s', (_label, over, code) => {
    const r = checkPage(page(over), local);
    expect(r.ok).toBe(false);
    expect(r.ok ? [] : r.issues.map((i) => i.code)).toContain(code);
  });

  it('refuses what is not a page at all', () => {
    for (const bad of [null, 'page', { format: 'other' }, page({ docs: 'none' }), page({ hub_seq: -1 }), page({ extra: 1 })]) {
      expect(checkPage(bad, local).ok).toBe(false);
    }
  });
});
