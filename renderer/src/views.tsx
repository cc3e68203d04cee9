// Which views exist, where they live in the navigation, and which roles see them. A view is
// listed only once the API it reads exists (core/api/index.ts); the views still waiting for
// their API are named in PENDING_VIEWS, and are not shown (no mock data in the product).
import type { ReactNode } from 'react';
import { NETWORK_WIDE_ROLES, ROLES, type Role } from '../../common/vocabulary';
import type { OperationName } from './api';
import type { MessageKey } from './i18n';
import { Overview } from './views/Overview';
import { DashboardView } from './views/dashboard/Dashboard';
import { RegionView } from './views/dashboard/Region';
import { OrdersView } from './views/orders/Orders';
import { RulesView } from './views/rules/Rules';
import { EntitiesView } from './views/registry/Entities';
import { LocationsView } from './views/registry/Locations';
import { CatchmentsView } from './views/registry/Catchments';
import { SettingsView } from './views/registry/Settings';
import { InboxView } from './views/inbox/Inbox';
import { EscrowView } from './views/escrow/Escrow';
import { AnomaliesView } from './views/anomalies/Anomalies';
import { BooksView } from './views/books/Books';
import { SyncView } from './views/sync/Sync';
import { ReleaseView } from './views/release/Release';
import { PayoutsView } from './views/payouts/Payouts';
import { ReconciliationView } from './views/reconciliation/Reconciliation';
import { FinanceHomeView } from './views/finance/FinanceHome';
import { ClosingView } from './views/closing/Closing';
import { InvoicesView } from './views/invoices/Invoices';
import { UsersView } from './views/users/Users';
import { AuditView } from './views/audit/Audit';

export type NavGroup = 'general' | 'activity' | 'control' | 'headOffice' | 'registry';
export const NAV_GROUPS: readonly { id: NavGroup; label: MessageKey }[] = [
  { id: 'general', label: 'nav.group.general' },
  { id: 'activity', label: 'nav.group.activity' },
  { id: 'control', label: 'nav.group.control' },
  { id: 'headOffice', label: 'nav.group.headOffice' },
  { id: 'registry', label: 'nav.group.registry' },
];

export interface ViewDef {
  id: string;
  /** Route prefix, e.g. "/registry/entities"; the rest of the path goes to the view. */
  path: string;
  label: MessageKey;
  group: NavGroup;
  roles: readonly Role[];
  /** API operations the view needs. */
  requires: readonly OperationName[];
  render(rest: readonly string[]): ReactNode;
}

export const VIEWS: readonly ViewDef[] = [
  { id: 'overview', path: '/overview', label: 'nav.overview', group: 'general', roles: ROLES, requires: ['network.summary', 'network.entities.list', 'network.locations.list'], render: () => <Overview /> },
  { id: 'finance-home', path: '/finance', label: 'nav.financeHome', group: 'general', roles: NETWORK_WIDE_ROLES, requires: ['finance.summary'], render: () => <FinanceHomeView /> },
  { id: 'dashboard', path: '/dashboard', label: 'nav.dashboard', group: 'activity', roles: ROLES, requires: ['dashboard.entity'], render: (rest) => <DashboardView rest={rest} /> },
  { id: 'region', path: '/region', label: 'nav.region', group: 'activity', roles: ['controller', 'admin', 'finance', 'auditor'], requires: ['dashboard.entity'], render: () => <RegionView /> },
  { id: 'inbox', path: '/inbox', label: 'nav.inbox', group: 'activity', roles: ['store_manager', 'admin', 'finance', 'controller'], requires: ['inbox.list', 'inbox.accept', 'inbox.refuse'], render: () => <InboxView /> },
  { id: 'orders', path: '/orders', label: 'nav.orders', group: 'activity', roles: ROLES, requires: ['orders.list', 'orders.get', 'settlement.explain'], render: (rest) => <OrdersView rest={rest} /> },
  { id: 'payouts', path: '/payouts', label: 'nav.payouts', group: 'activity', roles: ROLES, requires: ['payouts.list', 'payouts.statement'], render: (rest) => <PayoutsView rest={rest} /> },
  { id: 'escrow', path: '/escrow', label: 'nav.escrow', group: 'activity', roles: ROLES, requires: ['escrow.position'], render: () => <EscrowView /> },
  { id: 'anomalies', path: '/anomalies', label: 'nav.anomalies', group: 'control', roles: ['controller', 'admin', 'finance', 'auditor'], requires: ['anomalies.list'], render: () => <AnomaliesView /> },
  { id: 'books', path: '/books', label: 'nav.books', group: 'control', roles: ROLES, requires: ['journal.entries', 'journal.periods.list', 'exports.fec', 'exports.csv', 'exports.ledger'], render: () => <BooksView /> },
  { id: 'invoices', path: '/invoices', label: 'nav.invoices', group: 'control', roles: ROLES, requires: ['invoices.list', 'invoices.document', 'invoices.annex', 'invoices.statement'], render: () => <InvoicesView /> },
  { id: 'audit', path: '/audit', label: 'nav.audit', group: 'control', roles: ['admin', 'auditor'], requires: ['audit.list', 'audit.verify', 'audit.export'], render: () => <AuditView /> },
  { id: 'release', path: '/release', label: 'nav.release', group: 'headOffice', roles: NETWORK_WIDE_ROLES, requires: ['release.preview', 'release.submit', 'release.approve', 'release.reject', 'release.approvals', 'release.run', 'release.list', 'release.get'], render: () => <ReleaseView /> },
  { id: 'reconciliation', path: '/reconciliation', label: 'nav.reconciliation', group: 'headOffice', roles: NETWORK_WIDE_ROLES, requires: ['sync.reconciliation.list', 'sync.reconciliation.import', 'sync.reconciliation.explain'], render: () => <ReconciliationView /> },
  { id: 'closing', path: '/closing', label: 'nav.closing', group: 'headOffice', roles: NETWORK_WIDE_ROLES, requires: ['journal.periods.list', 'journal.periods.checks', 'journal.periods.close', 'invoices.send'], render: () => <ClosingView /> },
  { id: 'sync', path: '/sync', label: 'nav.sync', group: 'headOffice', roles: ['admin', 'finance', 'auditor', 'controller'], requires: ['sync.status', 'sync.outbox.list', 'sync.outbox.retry', 'sync.outbox.cancel'], render: () => <SyncView /> },
  { id: 'rules', path: '/rules', label: 'nav.rules', group: 'headOffice', roles: NETWORK_WIDE_ROLES, requires: ['rules.list', 'rules.create', 'rules.newVersion', 'rules.retire', 'rules.simulate'], render: (rest) => <RulesView rest={rest} /> },
  { id: 'users', path: '/users', label: 'nav.users', group: 'headOffice', roles: ['admin'], requires: ['users.list', 'users.create', 'users.update', 'users.resetPassword', 'users.disable'], render: () => <UsersView /> },
  { id: 'entities', path: '/registry/entities', label: 'nav.entities', group: 'registry', roles: NETWORK_WIDE_ROLES, requires: ['network.entities.list', 'network.entities.create', 'network.entities.update'], render: (rest) => <EntitiesView selected={rest[0] ?? null} /> },
  { id: 'locations', path: '/registry/locations', label: 'nav.locations', group: 'registry', roles: NETWORK_WIDE_ROLES, requires: ['network.locations.list', 'network.locations.create', 'network.locations.update'], render: (rest) => <LocationsView selected={rest[0] ?? null} /> },
  { id: 'catchments', path: '/registry/catchments', label: 'nav.catchments', group: 'registry', roles: NETWORK_WIDE_ROLES, requires: ['network.catchments.list', 'network.catchments.save', 'network.catchments.delete'], render: (rest) => <CatchmentsView selected={rest[0] ?? null} /> },
  { id: 'settings', path: '/registry/settings', label: 'nav.settings', group: 'registry', roles: NETWORK_WIDE_ROLES, requires: ['network.settings.get', 'network.settings.update'], render: () => <SettingsView /> },
];

/**
 * Views of the brief whose API does not exist yet, with the operations they wait for. Empty now:
 * every view of the brief has its API. A view listed here is not shown (no mock data).
 */
export const PENDING_VIEWS: readonly { id: string; roles: readonly Role[]; requires: readonly OperationName[] }[] = [];

export function viewsFor(role: Role): ViewDef[] {
  return VIEWS.filter((v) => v.roles.includes(role));
}

/** Where each role lands: a store on its dashboard, a controller on its region, finance on its money figures, the rest of head office on the network. */
export function homeFor(role: Role): string {
  const home = role === 'store_manager' ? '/dashboard' : role === 'controller' ? '/region' : role === 'finance' ? '/finance' : '/overview';
  return viewsFor(role).some((v) => v.path === home) ? home : viewsFor(role)[0]?.path ?? '/overview';
}
