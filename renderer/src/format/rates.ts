// Rates are decimal strings ("0.05"); Intl formats the string exactly as a percentage, so no
// float multiplication by 100 ever happens.
export function formatRate(rate: string, locale: string): string {
  if (!/^\d+(\.\d+)?$/.test(rate)) return rate;
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 8 }).format(rate as `${number}`);
}
