// The renderer's pure pieces, without a browser: money from minor units, CSV quoting, and the
// two languages having the same keys and the same parameters.
import { describe, expect, test } from 'vitest';
import { currencyExponent, formatMoney, minorToDecimal, moneyForExport } from '../../renderer/src/format/money';
import { formatDate, formatMonthDay } from '../../renderer/src/format/dates';
import { BOM, csvText } from '../../renderer/src/components/csv';
import { fr } from '../../renderer/src/i18n/fr';
import { en } from '../../renderer/src/i18n/en';
import { createIntl } from 'react-intl';
import { translate } from '../../renderer/src/i18n';
import { ATTRIBUTION_KEYS, CHANNELS, DELIVERY_MODES, ENTITY_KINDS, LEG_ROLES, LINE_KINDS, LINE_STATUSES, LOCATION_KINDS, OUTBOX_STATUSES, REFUSAL_REASONS, ROLES } from '../../common/vocabulary';
import { formatRate } from '../../renderer/src/format/rates';

const nbsp = (s: string) => s.replace(/[\u202f\u00a0]/g, ' ');

describe('money', () => {
  test('uses the ISO 4217 exponent of the currency', () => {
    expect([currencyExponent('EUR'), currencyExponent('JPY'), currencyExponent('BHD'), currencyExponent('XXX')]).toEqual([2, 0, 3, 2]);
    expect(minorToDecimal(11844, 'EUR')).toBe('118.44');
    expect(minorToDecimal(-5, 'EUR')).toBe('-0.05');
    expect(minorToDecimal(0, 'EUR')).toBe('0.00');
    expect(minorToDecimal(1500, 'JPY')).toBe('1500');
    expect(minorToDecimal(1234, 'BHD')).toBe('1.234');
    expect(minorToDecimal(-7, 'BHD')).toBe('-0.007');
  });

  test('formats exactly, even where a float would not', () => {
    expect(nbsp(formatMoney(123456, 'EUR', 'fr-FR'))).toBe('1 234,56 €');
    expect(formatMoney(123456, 'EUR', 'en-GB')).toBe('€1,234.56');
    expect(nbsp(formatMoney(1500, 'JPY', 'fr-FR'))).toBe('1 500 JPY');
    expect(nbsp(formatMoney(1234, 'BHD', 'en-GB'))).toBe('BHD 1.234');
    expect(formatMoney(-5, 'EUR', 'en-GB')).toBe('-€0.05');
    // The largest safe amount, and one beyond it as a bigint: a float division would round both.
    expect(nbsp(formatMoney(9007199254740991, 'EUR', 'fr-FR'))).toBe('90 071 992 547 409,91 €');
    expect(nbsp(formatMoney(9007199254740993n, 'EUR', 'fr-FR'))).toBe('90 071 992 547 409,93 €');
    expect(() => formatMoney(1.5, 'EUR', 'fr-FR')).toThrow(RangeError);
  });

  test('exports plain decimals, with a comma for French spreadsheets', () => {
    expect(moneyForExport(-123456, 'EUR', true)).toBe('-1234,56');
    expect(moneyForExport(123456, 'EUR', false)).toBe('1234.56');
  });
});

describe('dates', () => {
  test('shows calendar days without a time-zone shift', () => {
    expect(formatDate('2026-03-31', 'fr-FR')).toBe('31 mars 2026');
    expect(formatDate('2026-01-01', 'en-GB')).toBe('1 Jan 2026');
    expect(formatMonthDay('12-31', 'fr-FR')).toBe('31 décembre');
  });
});

describe('rates', () => {
  test('show decimal strings as percentages exactly', () => {
    expect(formatRate('0.05', 'fr-FR').replace(/[\u202f\u00a0]/g, ' ')).toBe('5 %');
    expect(formatRate('0.0625', 'fr-FR').replace(/[\u202f\u00a0]/g, ' ')).toBe('6,25 %');
    expect(formatRate('0.1', 'en-GB')).toBe('10%');
    expect(formatRate('1', 'en-GB')).toBe('100%');
  });
});

describe('CSV', () => {
  test('quotes as RFC 4180 says', () => {
    expect(csvText([['plain', 'a,b', 'say "hi"']], { separator: ',' })).toBe('plain,"a,b","say ""hi"""\r\n');
    expect(csvText([['a;b', 'two\nlines', 'a b', '']], { separator: ';' })).toBe('"a;b";"two\nlines";a b;\r\n');
    expect(BOM).toBe('\uFEFF');
  });

  test('keeps spreadsheet formulas from running, and numbers as numbers', () => {
    expect(csvText([['=HYPERLINK("x")', '-12,50', '-x']], { separator: ';' })).toBe('"\'=HYPERLINK(""x"")";-12,50;\'-x\r\n');
  });
});

describe('translations', () => {
  test('English has every French key, with the same parameters', () => {
    // ICU arguments: `{name}`, or `{n, plural, ...}` (each name once).
    const params = (s: string) => [...new Set([...s.matchAll(/\{(\w+)[,}]/g)].map((m) => m[1]))].sort();
    expect(Object.keys(en).sort()).toEqual(Object.keys(fr).sort());
    for (const key of Object.keys(fr) as (keyof typeof fr)[]) expect(params(en[key]), key).toEqual(params(fr[key]));
    for (const key of Object.keys(fr) as (keyof typeof fr)[]) expect(en[key].trim(), key).not.toBe('');
  });

  test('every code the API sends has a label in both languages', () => {
    const codes: Record<string, readonly string[]> = {
      channel: CHANNELS, lineStatus: LINE_STATUSES, legRole: LEG_ROLES, delivery: DELIVERY_MODES, lineKind: LINE_KINDS,
      'entity.kind': ENTITY_KINDS, 'location.kind': LOCATION_KINDS, role: ROLES, 'settings.attr': ATTRIBUTION_KEYS,
      'sync.status': OUTBOX_STATUSES, 'inbox.reason': REFUSAL_REASONS, 'inbox.status': ['open', 'accepted', 'refused', 'timed_out', 'withdrawn'],
    };
    for (const [prefix, values] of Object.entries(codes)) {
      for (const v of values) expect(Object.hasOwn(fr, `${prefix}.${v}`), `${prefix}.${v}`).toBe(true);
    }
  });

  test('fills parameters', () => {
    expect(translate('fr', 'entity.created', { id: 'E1' })).toBe('Entité E1 créée.');
    expect(translate('en', 'table.rows', { shown: 3, total: 10 })).toBe('3 of 10 rows');
  });

  test('counts take each language\'s plural form (ICU messages), never "(s)"', () => {
    expect(translate('fr', 'sync.ind.waiting', { n: 1 })).toBe('1 envoi en attente');
    expect(translate('fr', 'sync.ind.waiting', { n: 0 })).toBe('0 envoi en attente'); // French: 0 is singular
    expect(nbsp(translate('fr', 'sync.ind.waiting', { n: 1234 }))).toBe('1 234 envois en attente');
    expect(translate('en', 'sync.ind.waiting', { n: 1 })).toBe('1 call waiting');
    expect(translate('en', 'sync.ind.waiting', { n: 0 })).toBe('0 calls waiting');
    expect(nbsp(translate('en', 'sync.ind.failed', { n: 1234 }))).toBe('1,234 calls failed');
    expect(translate('fr', 'rule.conflicts', { n: 2 })).toBe('2 conflits de règles');
    expect(translate('en', 'table.rows', { shown: 1, total: 1 })).toBe('1 of 1 row');
    expect(translate('fr', 'sync.latest', { n: 1 })).toBe('le plus récent');
    for (const messages of [fr, en]) {
      expect(Object.entries(messages).filter(([, text]) => /\w\(s\)|\(e?s\)/.test(text)).map(([k]) => k)).toEqual([]);
    }
  });

  test('every message is valid ICU and formats in both languages', () => {
    for (const [locale, messages] of [['fr-FR', fr], ['en-GB', en]] as const) {
      // FormatJS reports a broken message to onError and shows the raw text: make it throw here.
      const intl = createIntl({ locale, messages, onError: (e) => { throw e; } });
      for (const key of Object.keys(fr) as (keyof typeof fr)[]) {
        const params = Object.fromEntries([...messages[key].matchAll(/\{(\w+)[,}]/g)].map((m) => [m[1]!, 2]));
        expect(() => intl.formatMessage({ id: key }, params), `${locale} ${key}`).not.toThrow();
      }
    }
  });
});
