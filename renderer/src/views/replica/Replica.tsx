// A replica's sync with its hub, on every screen (docs/deployment.md): in the header, online or
// "offline since …, data as of …", with the decisions still waiting for the hub and those it
// refused with the reason (a panel opens on click); a banner when head office revoked the
// device (its data stays readable, nothing can be changed). On a hub, nothing. Self-contained:
// the shell reads replica.status once through `useReplicaStatus` (every 30 seconds, on focus,
// and when a decision was queued) for both.
import { useEffect, useId, useState } from 'react';
import { call, type Output } from '../../api';
import { useI18n } from '../../i18n';
import { Badge } from '../../components/Badge';

/** What replica.status answers (core/replication/status.ts). */
export type ReplicaStatus = Output<'replica.status'>;

/** Fired after a decision was queued on a replica, so the status reads again. */
export const REPLICA_CHANGED = 'ventil:replica-changed';

export function useReplicaStatus(): ReplicaStatus | null {
  const [s, setS] = useState<ReplicaStatus | null>(null);
  useEffect(() => {
    let live = true;
    const load = () => call('replica.status').then((r) => { if (live && r.ok) setS(r.value); });
    void load();
    const id = window.setInterval(load, 30_000);
    window.addEventListener('focus', load);
    window.addEventListener(REPLICA_CHANGED, load);
    return () => { live = false; window.clearInterval(id); window.removeEventListener('focus', load); window.removeEventListener(REPLICA_CHANGED, load); };
  }, []);
  return s;
}

/** The header's line, from `useReplicaStatus`: nothing on a hub. */
export function ReplicaIndicator({ status: s }: { status: ReplicaStatus | null }) {
  const { t, dateTime } = useI18n();
  const [open, setOpen] = useState(false);
  const panelId = useId();
  if (!s || s.installation !== 'replica') return null;
  const asOf = s.data_as_of ? dateTime(s.data_as_of) : t('replica.never');
  const [tone, text] = s.status === 'revoked' ? ['red', t('replica.revoked.short')]
    : !s.online && s.offline_since ? ['amber', t('replica.offline', { since: dateTime(s.offline_since), asOf })]
      : ['green', t('replica.online', { asOf })];
  const waiting = s.pending.length;
  return (
    <div className="replica-ind" data-testid="replica-status">
      <button type="button" className={`sync-ind sync-${tone} replica-toggle`} aria-expanded={open} aria-controls={panelId} onClick={() => setOpen(!open)}>
        <span className="dot" aria-hidden="true" />{text}
        {waiting > 0 && <> · <span data-testid="replica-pending-count">{t('replica.pendingCount', { n: waiting })}</span></>}
        {s.refused.length > 0 && <> · <span className="neg">{t('replica.refusedCount', { n: s.refused.length })}</span></>}
      </button>
      {open && (
        <div className="replica-panel card" id={panelId} role="region" aria-label={t('replica.title')}>
          <p className="small">{t('replica.hub', { hub: s.hub_url, device: s.device.name, scope: s.scope })}</p>
          {s.last_error && !s.online && <p className="small muted">{s.last_error.message}</p>}
          <h3 className="subsection">{t('replica.pending')}</h3>
          {s.pending.length === 0 ? <p className="small muted">{t('replica.none')}</p> : (
            <ul className="replica-list" data-testid="replica-pending">
              {s.pending.map((c) => <li key={c.id}>{c.summary} <span className="muted">— {c.user}, {dateTime(c.created_at)}</span></li>)}
            </ul>
          )}
          <h3 className="subsection">{t('replica.refused')}</h3>
          {s.refused.length === 0 ? <p className="small muted">{t('replica.none')}</p> : (
            <ul className="replica-list" data-testid="replica-refused">
              {s.refused.map((c) => (
                <li key={c.id}><Badge tone="amber">{t('replica.refusedBadge')}</Badge> {c.summary}: <span data-reason={c.reason?.code}>{c.reason?.message}</span></li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}

/** The revoked device's banner (every screen, sign-in included); nothing otherwise. */
export function RevokedBanner({ revoked }: { revoked: boolean }) {
  const { t } = useI18n();
  if (!revoked) return null;
  return <div className="revoked-banner" role="alert" data-testid="revoked-banner">{t('replica.revoked.banner')}</div>;
}
