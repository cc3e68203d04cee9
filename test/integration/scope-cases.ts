// SCOPE CASES: one entry per API operation (docs/spec.md invariant 7, docs/security.md).
//
// test/integration/scope.test.ts walks `Object.keys(handlers)` of core/api/index.ts and FAILS
// for any operation without an entry here. When you add a handler, add its entry:
//
//   'area.operation': { kind, input, ... }      or an array of such cases
//
// `input(f)` builds the input from the fixture (test/integration/scope-fixture.ts): a
// store manager of f.ownEntity (LYON), a controller of f.ownRegion (AURA), and data of
// f.otherEntity (LILLE, region HDF) that neither may see: f.otherOrder, f.otherUser,
// f.otherOutboxId. Each call runs as each role, inside a transaction rolled back afterwards.
//
// kinds:
//   forbidden  The input names data outside the scoped roles' scope. Every role that may not
//              call the handler, and every scoped role (controller, store_manager) that may,
//              must get `forbidden`. A network-wide role (admin, finance, auditor) allowed to
//              call it must NOT get `forbidden` (proving the input is valid and the refusal
//              comes from scope): by default it must succeed; set `headOffice: 'not_forbidden'`
//              when success depends on something else (a mutation refused for its own reasons).
//   visible    The handler is readable network-wide or filters to the caller's scope. Every
//              role allowed must succeed, and `check(value, t)` must return no violation:
//              list what out-of-scope private data it finds (t.outside holds the entities
//              outside the caller's scope, empty for network-wide roles).
//   self       The handler acts only on the caller's own account or session. Every role
//              allowed must not get `forbidden`; `check(result, t)` gets the whole result.
//   public     The handler is callable without a session (handler.public): it is called
//              anonymously and as each role; `check(result, t)` must find nothing private.
//   device     The handler answers an enrolled device's credential only (handler.device):
//              every user role gets `forbidden`, whatever the input (test/integration/
//              network-api.test.ts checks devices within and outside their scope).
//
// `note` says why the case is what it is, for the reader of a failure.
import type { Result } from '../../core/api/errors.js';
import type { Principal, Role } from '../../core/api/principal.js';
import type { ScopeFixture } from './scope-fixture.js';

export interface CheckTools {
  f: ScopeFixture;
  role: Role | 'anonymous';
  principal: Principal;
  /** Entities outside the caller's scope (empty for network-wide roles). */
  outside: ReadonlySet<string>;
  /** Violations for every listed entity outside the scope. */
  inScope(entities: Iterable<string | null | undefined>, where: string): string[];
}

type Input = (f: ScopeFixture) => unknown;

export type ScopeCase =
  | { kind: 'forbidden'; input: Input; headOffice?: 'ok' | 'not_forbidden'; note?: string }
  | { kind: 'visible'; input: Input; check: (value: any, t: CheckTools) => string[]; note?: string }
  | { kind: 'self'; input: Input; check?: (result: Result<any>, t: CheckTools) => string[]; note?: string }
  | { kind: 'public'; input: Input; check: (result: Result<any>, t: CheckTools) => string[]; note?: string }
  | { kind: 'device'; input: Input; note?: string };

const none = () => [] as string[];

/** An entity row of the fixture, as `network.entities.update` takes it. */
const entityInput = (f: ScopeFixture, id: string) => {
  const { ...row } = f.db.prepare('SELECT * FROM entities WHERE id = ?').get(id) as Record<string, unknown>;
  return row;
};
const firstRule = (f: ScopeFixture) => f.db.prepare('SELECT id, rule_group FROM rules ORDER BY id LIMIT 1').get() as { id: string; rule_group: string };
const otherLocation = (f: ScopeFixture) => f.db.prepare('SELECT * FROM locations WHERE entity = ? ORDER BY id LIMIT 1').get(f.otherEntity) as Record<string, unknown>;

export const scopeCases: Record<string, ScopeCase | ScopeCase[]> = {
  // ---- network registry: readable by all, written by the head-office admin ----------------
  'network.summary': { kind: 'visible', input: () => ({}), check: none, note: 'entity and rule counts of the network; order counts only within the caller\'s scope' },
  'network.settings.get': { kind: 'visible', input: () => ({}), check: none, note: 'network settings are common to all entities' },
  'network.settings.update': { kind: 'forbidden', input: (f) => ({ platform_entity: 'HQ', return_window_days: 21, ...{ name: `changed by scope test ${f.otherEntity}` } }), note: 'admin only' },
  'network.entities.list': {
    kind: 'visible', input: () => ({}),
    check: (rows: { id: string; psp_account: string | null; erp_code: string | null }[], t) => [
      ...t.inScope(rows.filter((e) => e.psp_account !== null || e.erp_code !== null).map((e) => e.id), 'psp_account or erp_code'),
      ...(t.outside.size === 0 && !rows.some((e) => e.id === t.f.otherEntity && e.psp_account !== null) ? ['a network-wide role should see every psp_account'] : []),
    ],
    note: 'the registry (names, legal identifiers) is shared by the network; PSP accounts and ERP codes only within scope',
  },
  'network.entities.create': { kind: 'forbidden', input: () => ({ id: 'NICE', name: 'Nice SARL', kind: 'franchisee', siren: '802314708', region: 'HDF' }) },
  'network.entities.update': { kind: 'forbidden', input: (f) => ({ ...entityInput(f, f.otherEntity), name: 'Renamed by scope test' }) },
  'network.locations.list': { kind: 'visible', input: () => ({}), check: none },
  'network.locations.create': { kind: 'forbidden', input: (f) => ({ id: 'ST-SCOPE', entity: f.otherEntity, kind: 'store', postcode: '59800', ship: true, collect: true }) },
  'network.locations.update': {
    kind: 'forbidden',
    input: (f) => { const l = otherLocation(f); return { ...l, ship: l.ship === 1, collect: l.collect === 1, postcode: '59001' }; },
  },
  'network.catchments.list': { kind: 'visible', input: () => ({}), check: none },
  'network.catchments.save': { kind: 'forbidden', input: (f) => ({ postcode_prefix: '598', location: otherLocation(f).id }) },
  'network.catchments.delete': { kind: 'forbidden', input: () => ({ postcode_prefix: '59' }) },
  'scenario.import': { kind: 'forbidden', input: (f) => ({ scenario: f.scenario, source: 'scope-test' }), note: 'head office imports the network' },

  // ---- rules: one rule book for the network -----------------------------------------------
  'rules.list': { kind: 'visible', input: () => ({}), check: none, note: 'the rule book is the network\'s' },
  'rules.conflicts': { kind: 'visible', input: () => ({}), check: none },
  'rules.create': {
    kind: 'forbidden', headOffice: 'not_forbidden',
    input: (f) => ({ id: 'SCOPE-TEST', group: 'scope', priority: 50, when: { owner: [f.otherEntity] }, legs: [{ to: 'platform', rate: '0.01' }] }),
  },
  'rules.newVersion': {
    kind: 'forbidden', headOffice: 'not_forbidden',
    input: (f) => { const r = firstRule(f); return { id: r.id, group: r.rule_group, priority: 10, when: {}, legs: [] }; },
  },
  'rules.retire': { kind: 'forbidden', headOffice: 'not_forbidden', input: (f) => ({ id: firstRule(f).id }) },
  'rules.drafts.list': { kind: 'forbidden', input: () => ({}), note: 'drafts are head office\'s work in progress' },
  'rules.drafts.get': { kind: 'forbidden', headOffice: 'not_forbidden', input: () => ({ id: 'rd_00001' }), note: 'the fixture has no draft' },
  'rules.drafts.save': { kind: 'forbidden', input: (f) => ({ id: 'SCOPE-DRAFT', group: firstRule(f).rule_group, priority: 1, legs: [{ to: 'platform', rate: '0.01' }] }) },
  'rules.drafts.simulate': { kind: 'forbidden', headOffice: 'not_forbidden', input: () => ({ id: 'rd_00001', period: { from: '2026-03-01', to: '2026-04-01' } }) },
  'rules.drafts.publish': { kind: 'forbidden', headOffice: 'not_forbidden', input: () => ({ id: 'rd_00001' }) },
  'rules.drafts.discard': { kind: 'forbidden', headOffice: 'not_forbidden', input: () => ({ id: 'rd_00001' }) },
  'rules.simulate': { kind: 'forbidden', input: () => ({ period: { from: '2026-03-01', to: '2026-04-01' } }) },

  // ---- orders and settlement: an order is visible to its parties only ---------------------
  'orders.list': [
    { kind: 'forbidden', input: (f) => ({ entity: f.otherEntity }) },
    {
      kind: 'visible', input: () => ({}),
      check: (v: { rows: { id: string }[] }, t) => v.rows.flatMap((r) => {
        if (t.outside.size === 0) return [];
        const parties = t.f.db.prepare('SELECT entity FROM order_parties WHERE order_id = ?').pluck().all(r.id) as string[];
        return parties.some((p) => !t.outside.has(p)) ? [] : [`order ${r.id} has no party in scope`];
      }),
    },
  ],
  'orders.get': [
    { kind: 'forbidden', input: (f) => ({ id: f.otherOrder.id }) },
    {
      kind: 'visible', input: (f) => ({ id: f.ownOrder.id }),
      check: (v: { payouts: Record<string, number>; shares: { entity: string }[]; lines: { legs: { to: string | null; from: string | null }[] }[] }, t) => [
        ...t.inScope(Object.keys(v.payouts), 'payouts'),
        ...t.inScope(v.shares.map((s) => s.entity), 'shares'),
        ...v.lines.flatMap((l) => l.legs.filter((g) => t.outside.size > 0 && (!g.to || t.outside.has(g.to)) && (!g.from || t.outside.has(g.from))).map((g) => `leg ${g.from}->${g.to} concerns only other entities`)),
      ],
    },
  ],
  'settlement.explain': { kind: 'forbidden', input: (f) => ({ order: f.otherOrder.id, line: f.otherOrder.line, entity: f.otherEntity }) },
  'settlement.run': { kind: 'forbidden', input: (f) => ({ orders: [f.otherOrder.id] }) },
  'dashboard.entity': { kind: 'forbidden', input: (f) => ({ entity: f.otherEntity }) },

  // ---- sign-in and one's own account ------------------------------------------------------
  'auth.status': {
    kind: 'public', input: () => ({}),
    check: (r, t) => (r.ok && (t.role === 'anonymous' ? r.value.me === null : r.value.me?.user?.id === t.principal.userId) ? [] : ['status reveals another user, or fails']),
  },
  'auth.setup': {
    kind: 'public', input: () => ({ name: 'Intruder', login: 'intruder', password: 'intruder-password-1' }),
    check: (r) => (!r.ok && r.error.code === 'already_set_up' ? [] : ['setup must be refused once users exist']),
  },
  'auth.login': {
    kind: 'public', input: (f) => ({ login: f.otherUser.login, password: 'not-the-password' }),
    check: (r) => (!r.ok && r.error.code === 'invalid_credentials' ? [] : ['a wrong password must be refused']),
  },
  'auth.demoUsers': {
    kind: 'public', input: () => ({}),
    check: (r) => (!r.ok && r.error.code === 'not_demo' ? [] : ['demo accounts listed on a real database']),
  },
  'auth.logout': { kind: 'self', input: () => ({}), note: 'ends the caller\'s own session' },
  'auth.me': {
    kind: 'self', input: () => ({}),
    check: (r, t) => (r.ok && r.value.user.id === t.principal.userId ? [] : ['auth.me must describe the caller']),
  },
  'auth.changePassword': {
    kind: 'self', input: () => ({ current_password: 'not-the-password', new_password: 'another-long-password' }),
    check: (r) => (!r.ok && r.error.code === 'invalid_credentials' ? [] : ['changing a password needs the current one']),
    note: 'acts on the caller only; there is no user id in the input',
  },

  // ---- user administration: the head-office admin only -----------------------------------
  'finance.summary': { kind: 'forbidden', input: () => ({}), note: 'network-wide money figures: head office and auditors only' },
  'users.list': { kind: 'forbidden', input: () => ({}) },
  'users.create': { kind: 'forbidden', input: (f) => ({ name: 'New Lille', login: 'new-lille', role: 'store_manager', entities: [f.otherEntity], password: 'new-lille-password' }) },
  'users.update': { kind: 'forbidden', input: (f) => ({ id: f.otherUser.id, entities: [f.ownEntity] }), note: 'a manager must not widen anyone\'s scope' },
  'users.resetPassword': { kind: 'forbidden', input: (f) => ({ id: f.otherUser.id, password: 'taken-over-password' }) },
  'users.disable': { kind: 'forbidden', input: (f) => ({ id: f.otherUser.id }) },
  'users.throttles': { kind: 'forbidden', input: () => ({}), note: 'lists logins tried, known or not: the admin only' },
  'users.clearThrottle': { kind: 'forbidden', input: (f) => ({ kind: 'login', key: f.otherUser.login }) },

  // ---- audit trail -------------------------------------------------------------------------
  'audit.list': [
    { kind: 'forbidden', input: (f) => ({ entity: f.otherEntity }) },
    {
      kind: 'visible', input: () => ({ limit: 500 }),
      check: (v: { rows: { seq: number; actor: { id: string }; entities: string[]; redacted: boolean; input: unknown; before: unknown; after: unknown }[] }, t) => v.rows.flatMap((r) => {
        if (t.outside.size === 0) return [];
        const own = r.actor.id === t.principal.userId;
        const problems = t.inScope(r.entities, `audit row ${r.seq} entities`);
        if (!own && !r.entities.some((e) => !t.outside.has(e))) problems.push(`audit row ${r.seq} concerns no entity in scope`);
        if (r.redacted && (r.input !== null || r.before !== null || r.after !== null)) problems.push(`audit row ${r.seq} is redacted but shows its content`);
        return problems;
      }),
    },
  ],
  'audit.export': [
    { kind: 'forbidden', input: (f) => ({ entity: f.otherEntity }) },
    {
      kind: 'visible', input: () => ({}),
      check: (v: { csv: string }, t) => (t.outside.size > 0 && v.csv.includes(t.f.otherUser.login) ? [`the export shows the creation of ${t.f.otherUser.login}`] : []),
    },
  ],
  'audit.verify': { kind: 'forbidden', input: () => ({}), note: 'the whole chain is read: head office and auditors only' },

  // ---- sync: outbox rows and PSP objects belong to one entity ------------------------------
  'sync.status': {
    kind: 'visible', input: () => ({}),
    check: (v: { last_success: { entity?: string } | null; last_error: { entity?: string } | null; runner?: unknown; config?: unknown }, t) => [
      ...t.inScope([v.last_success?.entity, v.last_error?.entity], 'sync.status'),
      ...(t.outside.size > 0 && ('runner' in v || 'config' in v) ? ['runner and PSP configuration shown to a scoped role'] : []),
    ],
  },
  'sync.outbox.list': [
    { kind: 'forbidden', input: (f) => ({ entity: f.otherEntity }) },
    { kind: 'visible', input: () => ({}), check: (v: { rows: { entity: string | null }[] }, t) => t.inScope(v.rows.map((r) => r.entity ?? '(none)'), 'outbox rows') },
  ],
  'sync.outbox.get': { kind: 'forbidden', input: (f) => ({ id: f.otherOutboxId }) },
  'sync.outbox.retry': { kind: 'forbidden', headOffice: 'not_forbidden', input: (f) => ({ id: f.otherOutboxId }) },
  'sync.outbox.cancel': { kind: 'forbidden', headOffice: 'not_forbidden', input: (f) => ({ id: f.otherOutboxId, reason: 'scope test' }) },
  'sync.psp_objects.list': [
    { kind: 'forbidden', input: (f) => ({ entity: f.otherEntity }) },
    { kind: 'visible', input: () => ({}), check: (v: { entity: string | null }[], t) => t.inScope(v.map((r) => r.entity ?? '(none)'), 'psp objects') },
  ],
  'sync.psp_events.apply': { kind: 'forbidden', headOffice: 'not_forbidden', input: () => ({ events: [] }) },
  'sync.reconciliation.import': { kind: 'forbidden', headOffice: 'not_forbidden', input: () => ({ csv: 'id,amount\n' }) },
  'sync.reconciliation.list': [
    { kind: 'forbidden', input: (f) => ({ entity: f.otherEntity }) },
    { kind: 'visible', input: () => ({}), check: (v: { items?: { entity?: string | null }[] }, t) => t.inScope((v.items ?? []).map((i) => i.entity), 'reconciliation items') },
  ],
  'sync.reconciliation.explain': { kind: 'forbidden', headOffice: 'not_forbidden', input: () => ({ run_id: 999999, seq: 0, note: 'scope test' }), note: 'head office explains mismatches; the fixture has no reconciliation run' },
  // ---- lifecycle, routing, inbox, release and escrow (docs/lifecycle.md, docs/release.md) -----
  'events.submit': {
    kind: 'forbidden',
    input: (f) => ({ events: [{ type: 'line_returned', order: f.otherOrder.id, line: f.otherOrder.line, quantity: 1, location: otherLocation(f).id, at: f.now.toISOString() }] }),
    note: 'a store manager submits events of its own locations only; controllers and auditors read',
  },
  'routing.tick': { kind: 'forbidden', input: () => ({}), note: 'the scheduler is head office\'s (and the desktop app\'s timer)' },
  'routing.history': [
    { kind: 'forbidden', input: (f) => ({ order: f.otherOrder.id }) },
    {
      kind: 'visible', input: (f) => ({ order: f.ownOrder.id }),
      check: (v: { offers: { entity: string; operator: string }[]; history: { location: string | null }[] }, t) => v.offers
        .filter((o) => t.outside.has(o.entity) && t.outside.has(o.operator)).map((o) => `offer to a location of ${o.entity} shown`),
    },
  ],
  'inbox.list': [
    { kind: 'forbidden', input: (f) => ({ location: otherLocation(f).id }) },
    { kind: 'forbidden', input: (f) => ({ entity: f.otherEntity }) },
    {
      kind: 'visible', input: () => ({ status: 'all' }),
      check: (v: { requests: { entity: string; operator: string; location: string }[] }, t) => v.requests
        .filter((r) => t.outside.has(r.entity) && t.outside.has(r.operator)).map((r) => `request to ${r.location} shown`),
    },
  ],
  'inbox.unread': { kind: 'visible', input: () => ({}), check: none, note: 'counts over the caller\'s own scope' },
  'inbox.markRead': { kind: 'forbidden', headOffice: 'not_forbidden', input: () => ({ offers: [999999] }), note: 'a request outside the scope and one that does not exist get the same refusal; the fixture has no request' },
  'inbox.accept': { kind: 'forbidden', headOffice: 'not_forbidden', input: (f) => ({ order: f.otherOrder.id, line: f.otherOrder.line, location: otherLocation(f).id }), note: 'head office may answer for a store; the fixture has no open request' },
  'inbox.refuse': { kind: 'forbidden', headOffice: 'not_forbidden', input: (f) => ({ order: f.otherOrder.id, line: f.otherOrder.line, location: otherLocation(f).id, reason: 'no_stock' }) },
  'release.run': { kind: 'forbidden', input: () => ({ as_of: '2026-03-20T00:00:00Z' }), note: 'head office releases escrow' },
  'release.preview': { kind: 'forbidden', input: () => ({ as_of: '2026-03-20T00:00:00Z' }), note: 'the whole run: head office and auditors' },
  'release.submit': { kind: 'forbidden', headOffice: 'not_forbidden', input: () => ({ as_of: '2026-03-20T00:00:00Z' }), note: 'head office prepares runs; may have nothing to release' },
  'release.approve': { kind: 'forbidden', headOffice: 'not_forbidden', input: () => ({ id: 'ra_00001_00000000' }), note: 'four eyes are head office\'s; the fixture has no approval' },
  'release.reject': { kind: 'forbidden', headOffice: 'not_forbidden', input: () => ({ id: 'ra_00001_00000000', note: 'scope test' }) },
  'release.approvals': { kind: 'forbidden', input: () => ({}), note: 'whole runs awaiting approval: head office and auditors' },
  'payouts.list': [
    { kind: 'forbidden', input: (f) => ({ entity: f.otherEntity }) },
    { kind: 'visible', input: (f) => ({ entity: f.ownEntity }), check: (v: { entity: string; transfers: { entity: string }[] }, t) => t.inScope([v.entity, ...v.transfers.map((x) => x.entity)], 'payouts') },
  ],
  'payouts.statement': [
    { kind: 'forbidden', input: (f) => ({ entity: f.otherEntity }) },
    { kind: 'forbidden', input: (f) => ({ entity: f.otherEntity, format: 'csv' }) },
    { kind: 'visible', input: (f) => ({ entity: f.ownEntity, format: 'csv' }), check: (v: { content: string }, t) => [...t.outside].filter((e) => v.content.includes(`,${e},`)).map((e) => `${e} in the statement`) },
  ],
  'release.list': {
    kind: 'visible', input: () => ({}),
    check: (v: { runs: { transfer_count: number }[] }, t) => (t.outside.size > 0 && v.runs.some((r) => r.transfer_count === 0) ? ['a run paying no entity in scope is listed'] : []),
    note: 'runs with their totals over the caller\'s own transfers',
  },
  'release.get': { kind: 'forbidden', headOffice: 'not_forbidden', input: () => ({ id: 'rr_20260320T000000Z_0000000000000000' }), note: 'a scoped caller cannot tell a run of others from no run' },
  'release.balances': [
    { kind: 'forbidden', input: (f) => ({ entity: f.otherEntity }) },
    { kind: 'visible', input: () => ({}), check: (v: { balances: { entity: string }[] }, t) => t.inScope(v.balances.map((b) => b.entity), 'balances') },
  ],
  'escrow.position': [
    { kind: 'forbidden', input: (f) => ({ order: f.otherOrder.id }) },
    { kind: 'forbidden', input: (f) => ({ entity: f.otherEntity }) },
    {
      kind: 'visible', input: (f) => ({ order: f.ownOrder.id }),
      check: (v: { rows: { entity: string }[]; entities: { entity: string }[] }, t) => [...t.inScope(v.rows.map((r) => r.entity), 'rows'), ...t.inScope(v.entities.map((e) => e.entity), 'entities')],
    },
  ],
  'anomalies.list': [
    { kind: 'forbidden', input: (f) => ({ entity: f.otherEntity }) },
    {
      kind: 'visible', input: () => ({}),
      check: (v: { anomalies: { kind: string; entities: string[] }[] }, t) => v.anomalies
        .filter((a) => t.outside.size > 0 && a.entities.every((e) => t.outside.has(e))).map((a) => `${a.kind} of ${a.entities.join(', ')} shown`),
    },
  ],
  // ---- books: journals, periods, chart, exports, invoices (docs/accounting.md) --------------
  'journal.entries': [
    { kind: 'forbidden', input: (f) => ({ entity: f.otherEntity }) },
    {
      kind: 'visible', input: (f) => ({ entity: f.ownEntity }),
      check: (v: { entity: string; entries: { lines: { aux: string | null }[] }[] }, t) => [...t.inScope([v.entity], 'entity'),
        ...t.inScope(v.entries.flatMap((e) => e.lines.map((l) => l.aux)).filter((a) => a !== 'HQ'), 'auxiliary accounts')],
      note: 'an entity\'s own books; its lines name no other entity but the platform (its 467000-HQ current account)',
    },
  ],
  'journal.trialBalance': [
    { kind: 'forbidden', input: (f) => ({ entity: f.otherEntity, period: '2026' }) },
    { kind: 'visible', input: (f) => ({ entity: f.ownEntity, period: '2026' }), check: (v: { entity: string }, t) => t.inScope([v.entity], 'entity') },
  ],
  'journal.periods.list': [
    { kind: 'forbidden', input: (f) => ({ entity: f.otherEntity }) },
    { kind: 'visible', input: (f) => ({ entity: f.ownEntity }), check: (v: { erp_batches: { entity: string }[] }, t) => t.inScope(v.erp_batches.map((b) => b.entity), 'ERP batches') },
  ],
  'journal.periods.checks': [
    { kind: 'forbidden', input: (f) => ({ entity: f.otherEntity, period: '2026-02' }) },
    { kind: 'visible', input: (f) => ({ entity: f.ownEntity, period: '2026-02' }),
      check: (v: { entity: string; reasons: { subject: { entity?: string; supplier?: string; customer?: string } }[] }, t) => [...t.inScope([v.entity], 'entity'),
        ...t.inScope(v.reasons.flatMap((r) => [r.subject.entity, r.subject.supplier, r.subject.customer]).filter((e) => e !== 'HQ'), 'reasons')],
      note: 'the reasons name the entity\'s own invoices and transfers (and the platform, its counterparty)' },
  ],
  'journal.periods.close': { kind: 'forbidden', input: (f) => ({ entity: f.otherEntity, period: '2026-02' }), note: 'head office closes periods' },
  'journal.detail': {
    kind: 'forbidden', headOffice: 'not_forbidden', input: (f) => ({ entity: f.otherEntity, piece: 'VE-20260302-1' }),
    note: 'the movements behind a daily entry of the other entity (its books are detailed in the fixture: not found for head office)',
  },
  'journal.accounts.get': [
    { kind: 'forbidden', input: (f) => ({ entity: f.otherEntity }) },
    { kind: 'visible', input: (f) => ({ entity: f.ownEntity }), check: none, note: 'the chart and mapping of an entity in scope' },
  ],
  'journal.accounts.set': { kind: 'forbidden', input: (f) => ({ entity: f.otherEntity, accounts: [{ number: '512100', label: 'Banque 2' }], mapping: { bank: '512100' } }), note: 'head office maps accounts' },
  'journal.post': { kind: 'forbidden', input: () => ({}), note: 'head office catches up the books of the whole network' },
  'journal.pending': [
    { kind: 'forbidden', input: (f) => ({ entity: f.otherEntity }) },
    { kind: 'visible', input: () => ({}), check: (v: { issues: { entities: string[] }[] }, t) => t.inScope(v.issues.flatMap((i) => i.entities), 'pending events') },
  ],
  'journal.push': { kind: 'forbidden', headOffice: 'not_forbidden', input: (f) => ({ entity: f.otherEntity, period: '2026-02' }), note: 'head office; the month is not closed in the fixture' },
  'exports.fec': [
    { kind: 'forbidden', input: (f) => ({ entity: f.otherEntity, period: '2026-03' }) },
    { kind: 'visible', input: (f) => ({ entity: f.ownEntity, period: '2026-03' }), check: (v: { entity: string; content: string }, t) => [...t.inScope([v.entity], 'entity'), ...(t.outside.has(t.f.otherEntity) && v.content.includes(`|${t.f.otherEntity}|`) ? ['the FEC names another entity\'s account'] : [])] },
  ],
  'exports.csv': [
    { kind: 'forbidden', input: (f) => ({ entity: f.otherEntity, period: '2026' }) },
    { kind: 'visible', input: (f) => ({ entity: f.ownEntity, period: '2026' }), check: (v: { entity: string }, t) => t.inScope([v.entity], 'entity') },
  ],
  'exports.ledger': [
    { kind: 'forbidden', input: (f) => ({ entity: f.otherEntity, period: '2026' }) },
    { kind: 'visible', input: (f) => ({ entity: f.ownEntity, period: '2026' }), check: (v: { entity: string }, t) => t.inScope([v.entity], 'entity') },
  ],
  'invoices.list': [
    { kind: 'forbidden', input: (f) => ({ entity: f.otherEntity }) },
    {
      kind: 'visible', input: () => ({}),
      check: (v: { rows: { number: string; supplier: string; customer: string }[] }, t) => v.rows
        .filter((r) => t.outside.has(r.supplier) && t.outside.has(r.customer)).map((r) => `invoice ${r.number} between ${r.supplier} and ${r.customer} shown`),
    },
  ],
  'invoices.document': {
    kind: 'forbidden',
    input: (f) => ({ number: f.db.prepare('SELECT number FROM invoices WHERE supplier = ? OR customer = ? ORDER BY id LIMIT 1').pluck().get(f.otherEntity, f.otherEntity) }),
    note: 'an invoice between the other entity and the platform',
  },
  'invoices.annex': {
    kind: 'forbidden',
    input: (f) => ({ number: f.db.prepare('SELECT number FROM invoices WHERE supplier = ? OR customer = ? ORDER BY id LIMIT 1').pluck().get(f.otherEntity, f.otherEntity) }),
    note: 'the orders behind an invoice between the other entity and the platform',
  },
  'invoices.send': {
    kind: 'forbidden',
    input: (f) => ({ numbers: [f.db.prepare('SELECT number FROM invoices WHERE supplier = ? OR customer = ? ORDER BY id LIMIT 1').pluck().get(f.otherEntity, f.otherEntity)] }),
    note: 'head office records invoices as sent',
  },
  'invoices.statement': [
    { kind: 'forbidden', input: (f) => ({ entity: f.otherEntity, period: '2026' }) },
    {
      kind: 'visible', input: (f) => ({ entity: f.ownEntity, period: '2026' }),
      check: (v: { entity: { id: string }; rows: { counterparty: string; number: string }[] }, t) => t.inScope([v.entity.id], 'entity'),
      note: 'the statement names the counterparties of the entity\'s own invoices',
    },
  ],

  // ---- One network, many installations (docs/deployment.md) ---------------------------------
  'devices.enroll': { kind: 'forbidden', input: (f) => ({ scope: `entity:${f.otherEntity}`, name: 'PC of the other store' }), note: 'admin only: enrolling a device is head office\'s' },
  'devices.list': { kind: 'forbidden', input: () => ({}), note: 'head office and auditors see the devices; a store or region has no business with them' },
  'devices.revoke': { kind: 'forbidden', input: () => ({ device: 'dev_unknown' }), headOffice: 'not_forbidden', note: 'admin only' },
  'devices.rescope': { kind: 'forbidden', input: (f) => ({ device: 'dev_unknown', scope: `entity:${f.otherEntity}` }), headOffice: 'not_forbidden', note: 'admin only' },
  'replication.enroll': {
    kind: 'public', input: () => ({ code: 'AAAAA-BBBBB-CCCCC-DDDDD', schema: 'x' }),
    check: (r) => (r.ok ? ['a made-up code must not enrol anything'] : r.error.code === 'enrolment_code_invalid' ? [] : [`expected enrolment_code_invalid, got ${r.error.code}`]),
    note: 'the code is the credential: a wrong one reveals nothing',
  },
  'replication.pull': { kind: 'device', input: () => ({ cursor: '', schema: 'x' }), note: 'a device pulls its own scope; no user reaches it' },
  'replication.push': { kind: 'device', input: () => ({ commands: [] }), note: 'a device pushes its users\' decisions; no user reaches it' },
  'replica.status': { kind: 'visible', input: () => ({}), check: none, note: 'on the hub: only that it is the hub' },
  'setup.join': {
    kind: 'public', input: () => ({ url: 'https://hub.example.com', code: 'AAAAA-BBBBB-CCCCC-DDDDD' }),
    check: (r) => (r.ok ? ['a database holding a network must not start joining another'] : r.error.code === 'not_empty' ? [] : [`expected not_empty, got ${r.error.code}`]),
    note: 'first start only: the fixture holds a network',
  },
  'setup.demo': {
    kind: 'public', input: () => ({}),
    check: (r) => (r.ok ? ['a database holding a network must not become the demo'] : r.error.code === 'not_empty' ? [] : [`expected not_empty, got ${r.error.code}`]),
    note: 'first start only: the fixture holds a network',
  },
};
