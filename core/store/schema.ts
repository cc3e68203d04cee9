// Kysely table types, one interface per table. Money columns are integer minor units; rates
// are decimal strings; times are ISO 8601 UTC strings; *_json columns hold JSON text.
import type { Generated } from 'kysely';

export interface NetworkSettingsTable { key: string; value: string }

export interface EntitiesTable {
  id: string;
  name: string;
  kind: string;
  siren: string;
  vat_number: string | null;
  region: string | null;
  psp_account: string | null;
  erp_code: string | null;
  fiscal_year_end: string;
  currency: string;
}

export interface LocationsTable {
  id: string;
  entity: string;
  operator: string;
  kind: string;
  postcode: string | null;
  ship: number;
  collect: number;
}

export interface CatchmentsTable { postcode_prefix: string; location: string }

export interface RulesTable {
  id: string;
  version: number;
  rule_group: string;
  priority: number;
  valid_from: string;
  valid_to: string | null;
  when_json: string;
  legs_json: string;
  content_hash: string;
  status: 'active' | 'retired';
  created_at: string;
}

export interface OrdersTable {
  id: string;
  channel: string;
  origin: string | null;
  customer_postcode: string | null;
  created_at: string;
  currency: string;
  discount: number;
  content_hash: string;
  imported_at: string;
}

export interface OrderLinesTable {
  order_id: string;
  line_id: string;
  seq: number;
  sku: string | null;
  category: string | null;
  kind: string;
  quantity: number;
  unit_price: number;
  discount: number;
  vat_rate: string;
  delivery_mode: string;
  candidates_json: string;
  pickup_location: string | null;
}

export interface PaymentsTable {
  order_id: string;
  payment_id: string;
  seq: number;
  method: string | null;
  amount: number;
  psp_fee: number;
  captured_at: string;
}

export interface EventsTable {
  seq: Generated<number>;
  event_key: string;
  order_id: string;
  line_id: string;
  type: string;
  at: string;
  payload_json: string;
  received_at: string;
  source: string;
}

export interface ImportsTable {
  seq: Generated<number>;
  file_hash: string;
  source: string;
  at: string;
  summary_json: string;
}

export interface SchemaMigrationsTable { name: string; applied_at: string }

export interface DB {
  network_settings: NetworkSettingsTable;
  entities: EntitiesTable;
  locations: LocationsTable;
  catchments: CatchmentsTable;
  rules: RulesTable;
  orders: OrdersTable;
  order_lines: OrderLinesTable;
  payments: PaymentsTable;
  events: EventsTable;
  imports: ImportsTable;
  schema_migrations: SchemaMigrationsTable;
}
