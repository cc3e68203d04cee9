// The chart the books post to (docs/spec.md section 9): posting roles, their default PCG accounts,
// the journals, and how an entity's mapping overrides the defaults. Postings name roles, never
// account numbers, so a mapping change applies to new entries without touching posted ones.

/** What a posting line stands for; each entity maps every role to one of its accounts. */
export const ACCOUNT_ROLES = [
  'sales', 'sales_shipping', 'sales_services', 'output_vat', 'input_vat', 'commissions_paid', 'commissions_earned',
  'platform_current', 'escrow', 'network_current', 'customer_funds', 'psp_fees', 'bank',
] as const;
export type AccountRole = (typeof ACCOUNT_ROLES)[number];

export interface AccountDef { number: string; label: string }

/** PCG accounts Ventil posts to, with their French labels (CompteLib in the FEC). */
export const PCG_ACCOUNTS: readonly AccountDef[] = [
  { number: '120000', label: 'Résultat de l\'exercice (bénéfice)' },
  { number: '129000', label: 'Résultat de l\'exercice (perte)' },
  { number: '445660', label: 'TVA déductible sur autres biens et services' },
  { number: '445710', label: 'TVA collectée' },
  { number: '467000', label: 'Compte courant plateforme' },
  { number: '467100', label: 'Séquestre PSP (fonds encaissés)' },
  { number: '467200', label: 'Comptes courants des entités du réseau' },
  { number: '467300', label: 'Fonds clients à affecter' },
  { number: '512000', label: 'Banque' },
  { number: '622000', label: 'Commissions et courtages versés' },
  { number: '627800', label: 'Frais et commissions PSP' },
  { number: '706000', label: 'Prestations de services' },
  { number: '707000', label: 'Ventes de marchandises' },
  { number: '708200', label: 'Commissions et courtages perçus' },
  { number: '708500', label: 'Ports et frais accessoires facturés' },
];

/** The default account of each role (docs/spec.md section 9's table). */
export const DEFAULT_MAPPING: Readonly<Record<AccountRole, string>> = {
  sales: '707000',
  // Shipping and service lines post to 707000 like the SPEC's table says; PCG practice is
  // 708500 and 706000, which an entity selects with its mapping (both are in the chart).
  sales_shipping: '707000',
  sales_services: '707000',
  output_vat: '445710',
  input_vat: '445660',
  commissions_paid: '622000',
  commissions_earned: '708200',
  platform_current: '467000',
  escrow: '467100',
  network_current: '467200',
  customer_funds: '467300',
  psp_fees: '627800',
  bank: '512000',
};

export const ROLE_LABELS: Readonly<Record<AccountRole, string>> = {
  sales: 'Sales of goods (owner of the line)',
  sales_shipping: 'Shipping lines',
  sales_services: 'Service lines',
  output_vat: 'Output VAT (sales, commissions earned)',
  input_vat: 'Input VAT (commissions paid)',
  commissions_paid: 'Commissions and royalties paid',
  commissions_earned: 'Commissions and royalties earned',
  platform_current: 'Current account with the platform (entities)',
  escrow: 'Escrow at the PSP (platform)',
  network_current: 'Current accounts of the entities (platform, one auxiliary per entity)',
  customer_funds: 'Customer funds to allocate (platform)',
  psp_fees: 'PSP fees',
  bank: 'Bank',
};

export const JOURNALS = {
  AN: 'À-nouveaux',
  VE: 'Ventes',
  AC: 'Achats',
  BQ: 'Banque et PSP',
  OD: 'Opérations diverses',
} as const;
export type JournalCode = keyof typeof JOURNALS;
export const JOURNAL_CODES = Object.keys(JOURNALS) as JournalCode[];

/** An account number: PCG class digit first, at least three digits, then digits or capitals. */
export const ACCOUNT_NUMBER = /^[1-8][0-9]{2}[0-9A-Z]{0,17}$/;

export interface Chart {
  /** Every account of the entity: PCG defaults and its own. */
  accounts: Map<string, string>;
  /** Role → account number. */
  mapping: Record<AccountRole, string>;
}

/** The chart of an entity: defaults, plus its own accounts and mapping overrides. */
export function buildChart(own: readonly AccountDef[], overrides: Partial<Record<string, string>>): Chart {
  const accounts = new Map<string, string>(PCG_ACCOUNTS.map((a) => [a.number, a.label]));
  for (const a of own) accounts.set(a.number, a.label);
  const mapping = { ...DEFAULT_MAPPING };
  for (const role of ACCOUNT_ROLES) {
    const o = overrides[role];
    if (o !== undefined) mapping[role] = o;
  }
  return { accounts, mapping };
}

/** Label of an account as it appears in exports. */
export function accountLabel(chart: Chart, number: string): string {
  return chart.accounts.get(number) ?? number;
}
