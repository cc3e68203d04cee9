// Rates are stored as decimal strings ("0.05") and amounts in minor units (50); people type
// and read percentages ("5") and currency units ("0,50"). These move the decimal point in the
// text itself, so no float ever rounds a rate or an amount. Text that is not a plain decimal
// number goes through unchanged: the API refuses it with an issue on the field.

const DECIMAL = /^(\d+)(?:[.,](\d+))?$/;

/** Shifts the decimal point of a plain decimal text by `places` (negative: to the left). */
function shift(text: string, places: number): string | null {
  const m = DECIMAL.exec(text.trim());
  if (!m) return null;
  let int = m[1]!;
  let frac = m[2] ?? '';
  if (places > 0) {
    frac = frac.padEnd(places, '0');
    int += frac.slice(0, places);
    frac = frac.slice(places);
  } else {
    int = int.padStart(-places + 1, '0');
    frac = int.slice(places) + frac;
    int = int.slice(0, places);
  }
  int = int.replace(/^0+(?=\d)/, '');
  frac = frac.replace(/0+$/, '');
  return frac ? `${int}.${frac}` : int;
}

/** "5" or "2,5" (percent) → "0.05" / "0.025" (the API's rate). */
export function percentToRate(text: string): string {
  return shift(text, -2) ?? text.trim();
}

/** "0.05" → "5" (for a percentage input), with the locale's decimal comma when it has one. */
export function rateToPercent(rate: string, decimalComma: boolean): string {
  const p = shift(rate, 2) ?? rate;
  return decimalComma ? p.replace('.', ',') : p;
}

/** "0,50" (currency units, 2 decimals) → 50; null for an empty text; other text as typed. */
export function unitsToMinor(text: string, exponent = 2): number | string | null {
  if (text.trim() === '') return null;
  const s = shift(text, exponent);
  return s !== null && /^\d+$/.test(s) ? Number(s) : text;
}

/** 50 → "0,50" for an input in currency units. */
export function minorToUnits(minor: number, decimalComma: boolean, exponent = 2): string {
  const s = shift(String(Math.abs(minor)), -exponent) ?? String(minor);
  const [i, f = ''] = s.split('.');
  const text = exponent > 0 ? `${i}.${f.padEnd(exponent, '0')}` : i!;
  return `${minor < 0 ? '-' : ''}${decimalComma ? text.replace('.', ',') : text}`;
}
