// What the shell shows while the API cannot be reached (connection.ts): an "offline" badge in
// the header in place of the sync state, and a notice above the view saying that what it shows
// is the data as of the last answer, and that it will refresh by itself.
import { createContext } from 'react';
import { useConnection } from '../connection';

/** True inside the shell, which shows OfflineNotice: a view's own "cannot reach" error would repeat it. */
export const OfflineNoticeShown = createContext(false);
import { useI18n } from '../i18n';

export function OfflineBadge() {
  const { t } = useI18n();
  return <span className="sync-ind sync-amber" data-testid="offline-indicator"><span className="dot" aria-hidden="true" />{t('offline.badge')}</span>;
}

export function OfflineNotice() {
  const { t, dateTime } = useI18n();
  const { offlineSince, lastAnswerAt } = useConnection();
  if (offlineSince === null) return null;
  const asOf = lastAnswerAt > 0 ? dateTime(new Date(lastAnswerAt).toISOString()) : null;
  return (
    <div className="alert alert-warning offline-notice" role="status" data-testid="offline-notice">
      <span><strong>{t('offline.title')}</strong> {asOf ? t('offline.asOf', { at: asOf }) : t('offline.noData')} {t('offline.recovers')}</span>
    </div>
  );
}
