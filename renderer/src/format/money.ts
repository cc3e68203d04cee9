// Amounts arrive as integers in the currency's minor unit (docs/spec.md section 3). They are turned
// into an exact decimal string by moving the decimal point, and Intl formats that string
// (Intl.NumberFormat accepts decimal strings exactly), so no binary float ever touches an amount.
import { minorUnitExponent } from '../../../common/vocabulary';

/** The ISO 4217 exponent (EUR 2, JPY 0, BHD 3): the table core uses too (common/vocabulary.ts). */
export const currencyExponent = minorUnitExponent;

/** 11844 EUR → "118.44"; -5 EUR → "-0.05"; 1500 JPY → "1500"; 1234 BHD → "1.234". */
export function minorToDecimal(amount: number | bigint, currency: string): string {
  if (typeof amount === 'number' && !Number.isSafeInteger(amount)) throw new RangeError(`not an amount in minor units: ${amount}`);
  const e = currencyExponent(currency);
  const negative = amount < 0;
  const digits = (negative ? -BigInt(amount) : BigInt(amount)).toString();
  if (e === 0) return (negative ? '-' : '') + digits;
  const padded = digits.padStart(e + 1, '0');
  return `${negative ? '-' : ''}${padded.slice(0, -e)}.${padded.slice(-e)}`;
}

const formatters = new Map<string, Intl.NumberFormat>();

function formatter(locale: string, currency: string, display: 'symbol' | 'code'): Intl.NumberFormat {
  const key = `${locale}|${currency}|${display}`;
  let f = formatters.get(key);
  if (!f) {
    const e = currencyExponent(currency);
    f = new Intl.NumberFormat(locale, {
      style: 'currency', currency, currencyDisplay: display,
      minimumFractionDigits: e, maximumFractionDigits: e,
    });
    formatters.set(key, f);
  }
  return f;
}

/** "1 234,56 €" (fr-FR) or "€1,234.56" (en-GB) from 123456 EUR minor units. */
export function formatMoney(amount: number | bigint, currency: string, locale: string): string {
  // A decimal string is formatted exactly (ECMA-402 "Intl.NumberFormat v3" string input).
  return formatter(locale, currency, 'symbol').format(minorToDecimal(amount, currency) as `${number}`);
}

/** The plain decimal for exports: "1234.56", or "1234,56" for French spreadsheets. */
export function moneyForExport(amount: number, currency: string, decimalComma: boolean): string {
  const s = minorToDecimal(amount, currency);
  return decimalComma ? s.replace('.', ',') : s;
}
