// Amounts arrive as integers in the currency's minor unit (docs/spec.md section 3). They are turned
// into an exact decimal string by moving the decimal point, and Intl formats that string
// (Intl.NumberFormat accepts decimal strings exactly), so no binary float ever touches an amount.

// ISO 4217 minor-unit exponents that are not 2 (same table as core/domain/money.ts).
const EXPONENTS: Record<string, number> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0,
  UYI: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  CLF: 4, UYW: 4,
};

export function currencyExponent(currency: string): number {
  return EXPONENTS[currency] ?? 2;
}

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
