// An explanation's computations worded in the user's language with formatted money (issue 15,
// review item 2): "round(104,67 € × 20 % / 1,20) = 17,45 €", not the API's English formula over
// minor units (which the command line keeps). The numbers come from each contribution's `calc`.
import type { Calc, Contribution, LineCalc } from '../../../../core/domain/explain';
import type { I18n } from '../../i18n';
import { formatRate } from '../../format/rates';

/** 1 + rate as decimal text ("0.20" → "1.20"), exact: no float addition. */
function onePlus(rate: string): string {
  const [int = '0', frac = ''] = rate.split('.');
  return frac ? `${Number(int) + 1}.${frac}` : String(Number(int) + 1);
}

function decimal(text: string, locale: string): string {
  const frac = text.split('.')[1]?.length ?? 0;
  return new Intl.NumberFormat(locale, { minimumFractionDigits: frac, maximumFractionDigits: frac }).format(text as `${number}`);
}

/** "TVA = round(104,67 € × 20 % / 1,20) = 17,45 € ; HT = 87,22 €". */
export function lineCalcText(c: LineCalc, currency: string, i18n: I18n): string {
  const m = (v: number) => i18n.money(v, currency);
  return i18n.t('explain.calc.line', { gross: m(c.gross), rate: formatRate(c.vat_rate, i18n.locale), onePlus: decimal(onePlus(c.vat_rate), i18n.locale), vat: m(c.vat), net: m(c.net) });
}

export function calcText(c: Calc, currency: string, i18n: I18n): string {
  const { t, locale } = i18n;
  const m = (v: number) => i18n.money(v, currency);
  const rate = (r: string) => formatRate(r, locale);
  switch (c.op) {
    case 'gross': {
      const discounts = [
        c.line_discount ? t('explain.calc.lineDiscount', { amount: m(c.line_discount) }) : '',
        c.order_discount ? t('explain.calc.orderDiscount', { amount: m(c.order_discount) }) : '',
      ].join('');
      return t('explain.calc.gross', { price: m(c.unit_price), quantity: c.quantity, discounts, result: m(c.result) });
    }
    case 'leg': {
      const perUnit = c.per_unit ? t('explain.calc.perUnit', { amount: m(c.per_unit), quantity: c.quantity }) : '';
      const limit = c.min !== null && c.value < c.min ? t('explain.calc.min', { amount: m(c.result) })
        : c.max !== null && c.value > c.max ? t('explain.calc.max', { amount: m(c.result) })
          : c.result !== c.value ? ` → ${m(c.result)}` : '';
      return t('explain.calc.leg', { base: t(c.base_kind === 'gross' ? 'explain.calc.baseGross' : 'explain.calc.baseNet'), amount: m(c.base), rate: rate(c.rate), perUnit, value: m(c.value), limit });
    }
    case 'vat':
      return t('explain.calc.vat', { base: m(c.base), rate: rate(c.rate), result: m(c.result) });
    case 'reversal': {
      const cum = c.after >= c.quantity ? m(c.amount) : `round(${m(c.amount)} × ${c.after}/${c.quantity})`;
      const prev = c.before === 0 ? m(0) : `round(${m(c.amount)} × ${c.before}/${c.quantity})`;
      const at = c.at ? i18n.date(c.at) : null;
      const event = c.event === 'return' ? t(at ? 'explain.calc.returnOn' : 'explain.calc.return', { units: c.units, at: at ?? '' })
        : t(at ? 'explain.calc.cancellationOn' : 'explain.calc.cancellation', { at: at ?? '' });
      const what = t(c.what === 'gross' ? 'explain.calc.whatGross' : c.what === 'commission' ? 'explain.calc.whatCommission' : 'explain.calc.whatCommissionVat');
      return t('explain.calc.reversal', { event, what, cum, prev, result: m(c.result) });
    }
    case 'fee_share':
      return t('explain.calc.feeShare', { fees: m(c.fees), result: m(c.result) });
    case 'fee_cancelled_line':
      return t('explain.calc.feeCancelledLine', { result: m(c.result) });
    case 'platform_fees':
      return t('explain.calc.platformFees', { result: m(c.result) });
  }
}

/** A contribution's computation; a void leg says why it moves nothing. */
export function contributionText(c: Contribution, currency: string, i18n: I18n): string {
  const text = calcText(c.calc, currency, i18n);
  if (c.kind !== 'void_leg') return text;
  return `${text}${i18n.t(c.void === 'same_entity' ? 'explain.calc.voidSame' : 'explain.calc.voidUnresolved')}`;
}
