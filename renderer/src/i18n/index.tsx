// The language of the UI (French by default, English), kept in localStorage, and the
// locale-aware formatters every view uses. `t(key, params)` only accepts keys of fr.ts.
// Messages are ICU MessageFormat, formatted by react-intl (FormatJS): `{name}` is a parameter,
// `{n, plural, one {# envoi} other {# envois}}` picks the language's plural form for a count
// passed as a number (French counts 0 and 1 as singular, English only 1).
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { RawIntlProvider, createIntl, createIntlCache, type IntlShape } from 'react-intl';
import { fr, type MessageKey } from './fr';
import { en } from './en';
import { formatMoney } from '../format/money';
import { formatDate, formatDateTime, formatDayShort, formatMonthDay } from '../format/dates';

export type { MessageKey } from './fr';
export type Lang = 'fr' | 'en';
export const LANGS: readonly Lang[] = ['fr', 'en'];
const STORAGE_KEY = 'ventil.lang';
const MESSAGES: Record<Lang, Record<MessageKey, string>> = { fr, en };

export type Params = Record<string, string | number>;
export type Translate = (key: MessageKey, params?: Params) => string;

const cache = createIntlCache();
const intls = new Map<string, IntlShape>();

/** The formatter of a language's messages, for a formatting locale (one per pair, kept). */
export function intlFor(lang: Lang, locale: string = lang === 'fr' ? 'fr-FR' : 'en-GB'): IntlShape {
  const id = `${lang}|${locale}`;
  let intl = intls.get(id);
  if (!intl) {
    intl = createIntl({ locale, messages: MESSAGES[lang], defaultLocale: 'fr' }, cache);
    intls.set(id, intl);
  }
  return intl;
}

export function translate(lang: Lang, key: MessageKey, params?: Params, locale?: string): string {
  const text = MESSAGES[lang][key] ?? fr[key] ?? key;
  // Most messages have no parameter: no need to format them.
  if (!text.includes('{')) return text;
  return intlFor(lang, locale).formatMessage({ id: key, defaultMessage: fr[key] }, params);
}

/** The BCP 47 locale for formatting: the browser's own variant when it speaks the language. */
export function localeFor(lang: Lang): string {
  const nav = typeof navigator !== 'undefined' ? navigator.languages ?? [navigator.language] : [];
  return nav.find((l) => l.toLowerCase().startsWith(`${lang}-`)) ?? (lang === 'fr' ? 'fr-FR' : 'en-GB');
}

export function storedLang(): Lang {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return v === 'en' || v === 'fr' ? v : 'fr';
  } catch {
    return 'fr';
  }
}

export interface I18n {
  lang: Lang;
  locale: string;
  setLang(lang: Lang): void;
  t: Translate;
  money(minor: number, currency: string): string;
  number(n: number): string;
  date(iso: string): string;
  /** Short day for chart axes. */
  day(iso: string): string;
  dateTime(iso: string): string;
  monthDay(mmdd: string): string;
}

const I18nContext = createContext<I18n | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(storedLang);
  const setLang = useCallback((l: Lang) => {
    try { localStorage.setItem(STORAGE_KEY, l); } catch { /* private mode: keep it for this page */ }
    setLangState(l);
  }, []);
  useEffect(() => { document.documentElement.lang = lang; }, [lang]);
  const value = useMemo<I18n>(() => {
    const locale = localeFor(lang);
    const nf = new Intl.NumberFormat(locale);
    return {
      lang, locale, setLang,
      t: (key, params) => translate(lang, key, params, locale),
      money: (minor, currency) => formatMoney(minor, currency, locale),
      number: (n) => nf.format(n),
      date: (iso) => formatDate(iso, locale),
      day: (iso) => formatDayShort(iso, locale),
      dateTime: (iso) => formatDateTime(iso, locale),
      monthDay: (mmdd) => formatMonthDay(mmdd, locale),
    };
  }, [lang, setLang]);
  return (
    <RawIntlProvider value={intlFor(value.lang, value.locale)}>
      <I18nContext.Provider value={value}>{children}</I18nContext.Provider>
    </RawIntlProvider>
  );
}

export function useI18n(): I18n {
  const v = useContext(I18nContext);
  if (!v) throw new Error('useI18n outside I18nProvider');
  return v;
}
