// The frame of a view: title, one line saying what it is for, actions; and the small pieces
// views share (loading and error states, notices).
import { useContext, useEffect, useRef, type ReactNode } from 'react';
import { useConnection } from '../connection';
import { OfflineNoticeShown } from './Offline';
import type { ErrorValue } from '../api';
import { useI18n } from '../i18n';
import { errorMessage } from './errors';

export function Page({ title, subtitle, actions, children, testId }: { title: string; subtitle?: string; actions?: ReactNode; children: ReactNode; testId?: string }) {
  return (
    <section className="page" aria-labelledby="page-title" data-testid={testId}>
      <div className="page-head">
        <div>
          <h1 id="page-title" tabIndex={-1}>{title}</h1>
          {subtitle && <p className="page-sub">{subtitle}</p>}
        </div>
        {actions && <div className="page-actions">{actions}</div>}
      </div>
      {children}
    </section>
  );
}

export function LoadError({ error, onRetry }: { error: ErrorValue; onRetry?: () => void }) {
  const { t, dateTime } = useI18n();
  const offline = useConnection().offlineSince !== null;
  const noticeShown = useContext(OfflineNoticeShown);
  // Offline, the shell's notice already says it once (with the time of the data shown).
  if (error.code === 'network' && offline && noticeShown) return null;
  const text = error.code === 'network' || error.code === 'bad_response' || error.code === 'unauthenticated' || error.code === 'forbidden'
    ? errorMessage(error, t, dateTime)
    : t('app.error.load', { message: error.message });
  return (
    <div className="alert alert-error" role="alert">
      <span>{text}</span>
      {onRetry && <button type="button" className="btn btn-small" onClick={onRetry}>{t('app.retry')}</button>}
    </div>
  );
}

export function Loading() {
  const { t } = useI18n();
  return <p className="loading" role="status">{t('app.loading')}</p>;
}

/** A short confirmation after a change ("Entity E1 created."), read by screen readers. */
export function Notice({ text, onDone }: { text: string | null; onDone(): void }) {
  useEffect(() => {
    if (!text) return;
    const id = setTimeout(onDone, 6000);
    return () => clearTimeout(id);
  }, [text, onDone]);
  return <div className="notice-slot" role="status" aria-live="polite">{text && <div className="notice">{text}</div>}</div>;
}

/**
 * A side panel for a record's form, beside the list it belongs to (not modal: the list stays
 * readable). Escape closes it; focus moves into it when it opens.
 */
export function Drawer({ title, onClose, children, testId }: { title: string; onClose(): void; children: ReactNode; testId?: string }) {
  const { t } = useI18n();
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    const first = ref.current?.querySelector<HTMLElement>('input:not([disabled]), select:not([disabled]), textarea, button.btn-primary');
    first?.focus();
  }, [title]);
  return (
    <aside
      className="drawer" ref={ref} aria-labelledby="drawer-title" data-testid={testId}
      onKeyDown={(e) => { if (e.key === 'Escape') onClose(); }}
    >
      <div className="drawer-head">
        <h2 id="drawer-title">{title}</h2>
        <button type="button" className="btn-icon" onClick={onClose} aria-label={t('form.close')} title={t('form.close')}>×</button>
      </div>
      <div className="drawer-body">{children}</div>
    </aside>
  );
}
