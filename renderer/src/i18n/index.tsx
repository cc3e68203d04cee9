// The language of the UI (French by default, English), kept in localStorage, and the
// locale-aware formatters every view uses. `t(key, params)` only accepts keys of fr.ts.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
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

export function translate(lang: Lang, key: MessageKey, params?: Params): string {
  const text = MESSAGES[lang][key] ?? fr[key] ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
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
      t: (key, params) => translate(lang, key, params),
      money: (minor, currency) => formatMoney(minor, currency, locale),
      number: (n) => nf.format(n),
      date: (iso) => formatDate(iso, locale),
      day: (iso) => formatDayShort(iso, locale),
      dateTime: (iso) => formatDateTime(iso, locale),
      monthDay: (mmdd) => formatMonthDay(mmdd, locale),
    };
  }, [lang, setLang]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const v = useContext(I18nContext);
  if (!v) throw new Error('useI18n outside I18nProvider');
  return v;
}
