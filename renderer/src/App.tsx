// The application shell: DEMO banner, header (network, sync state, language, user and role),
// the role's navigation on the left, and the current view. Views are picked by a hash route.
import { useEffect, useRef } from 'react';
import { I18nProvider, LANGS, useI18n, type Lang } from './i18n';
import { NetworkProvider, useNetwork } from './network';
import { ApiQueryProvider } from './use-api';
import { SessionProvider, useSession } from './session';
import { href, navigate, usePath } from './router';
import { NAV_GROUPS, homeFor, viewsFor, type ViewDef } from './views';
import { LoadError } from './components/Page';
import { OfflineBadge, OfflineNotice, OfflineNoticeShown } from './components/Offline';
import { useConnection } from './connection';
import { AuthGate } from './views/auth/AuthScreens';
import { SyncIndicator } from './views/sync/Sync';
import { ReplicaIndicator, RevokedBanner, useReplicaStatus, type ReplicaStatus } from './views/replica/Replica';
import { useApi } from './use-api';

export function App() {
  return (
    <I18nProvider>
      <SessionProvider>
        <Root />
      </SessionProvider>
    </I18nProvider>
  );
}

/**
 * Sign-in first; the back office only once someone is signed in (its data needs a session).
 * Each user, and the sign-in screens, get their own cache of API answers.
 */
function Root() {
  const session = useSession();
  const ready = session.phase.kind === 'ready';
  return (
    <ApiQueryProvider key={ready ? `user:${session.user.id}` : 'signed-out'}>
      {ready ? <NetworkProvider><Shell /></NetworkProvider> : <AuthGate />}
    </ApiQueryProvider>
  );
}

function Shell() {
  const { t } = useI18n();
  const session = useSession();
  const network = useNetwork();
  const path = usePath();
  const views = viewsFor(session.user.role);
  const current = matchView(views, path);
  const replica = useReplicaStatus();

  useEffect(() => {
    if (path === '/' || path === '') navigate(homeFor(session.user.role), { replace: true });
  }, [path, session.user.role]);

  // After choosing another view, the keyboard starts from its heading (not from the sidebar link).
  const viewId = current?.view.id ?? null;
  const shownView = useRef(viewId);
  useEffect(() => {
    if (shownView.current === viewId) return;
    shownView.current = viewId;
    focusHeading();
  }, [viewId]);

  const name = network.data?.name;
  useEffect(() => {
    document.title = [current ? t(current.view.label) : null, name ?? null, t('app.name')].filter(Boolean).join(' · ');
  }, [current, name, t]);

  return (
    <div className={`app${network.data?.demo ? ' is-demo' : ''}`}>
      <a className="skip-link" href="#main">{t('nav.label')}</a>
      {network.data?.demo && <div className="demo-banner" role="note" data-testid="demo-banner">{t('demo.banner')}</div>}
      <RevokedBanner revoked={replica?.installation === 'replica' && replica.status === 'revoked'} />
      <div className="layout">
        <Nav views={views} active={current?.view.id ?? null} />
        <div className="main-col">
          <Header replica={replica} />
          <main id="main" tabIndex={-1}>
            <OfflineNoticeShown.Provider value={true}>
              <OfflineNotice />
              {network.error && <LoadError error={network.error} onRetry={network.reload} />}
              {current ? current.view.render(current.rest) : path !== '/' && <NotFound home={homeFor(session.user.role)} />}
            </OfflineNoticeShown.Provider>
          </main>
        </div>
      </div>
    </div>
  );
}

/** Focuses the view's heading once it is shown (a view may render it a moment after the route changes). */
function focusHeading(tries = 20): void {
  const h = document.getElementById('page-title');
  if (h) h.focus({ preventScroll: false });
  else if (tries > 0) setTimeout(() => focusHeading(tries - 1), 50);
}

function matchView(views: readonly ViewDef[], path: string): { view: ViewDef; rest: string[] } | null {
  for (const v of views) {
    if (path === v.path || path.startsWith(`${v.path}/`)) {
      return { view: v, rest: path.slice(v.path.length).split('/').filter(Boolean).map(decodeURIComponent) };
    }
  }
  return null;
}

function Nav({ views, active }: { views: readonly ViewDef[]; active: string | null }) {
  const { t } = useI18n();
  // The requests not opened yet, beside the inbox (read again after every change, like every view's data).
  const unread = useApi(views.some((v) => v.id === 'inbox') ? 'inbox.unread' : null, {}, { refreshEvery: 60_000 }).data?.unread ?? 0;
  return (
    <nav className="sidebar" aria-label={t('nav.label')}>
      <div className="brand">
        <span className="brand-mark" aria-hidden="true">V</span>
        <span className="brand-text"><strong>{t('app.name')}</strong><small>{t('app.tagline')}</small></span>
      </div>
      {NAV_GROUPS.map((g) => {
        const items = views.filter((v) => v.group === g.id);
        if (items.length === 0) return null;
        return (
          <div className="nav-group" key={g.id}>
            <h2 className="nav-group-title">{t(g.label)}</h2>
            <ul>
              {items.map((v) => (
                <li key={v.id}>
                  <a href={href(v.path)} aria-current={v.id === active ? 'page' : undefined} data-nav={v.id}>
                    {t(v.label)}
                    {v.id === 'inbox' && unread > 0 && <span className="nav-count" data-testid="inbox-unread" aria-label={t('nav.unread', { n: unread })}>{unread}</span>}
                  </a>
                </li>
              ))}
            </ul>
          </div>
        );
      })}
    </nav>
  );
}

function Header({ replica }: { replica: ReplicaStatus | null }) {
  const { t, lang, setLang } = useI18n();
  const session = useSession();
  const network = useNetwork();
  const offline = useConnection().offlineSince !== null;
  const name = network.data ? network.data.name ?? t('header.networkUnnamed') : '';
  return (
    <header className="topbar">
      <div className="topbar-network">
        <span className="topbar-label">{t('header.network')}</span>
        <span className="topbar-name" data-testid="network-name">{name}</span>
      </div>
      <div className="topbar-right">
        <ReplicaIndicator status={replica} />
        <div className="sync-slot" data-slot="sync" aria-label={t('header.sync')} role="status">
          {offline ? <OfflineBadge /> : replica?.installation !== 'replica' && <SyncIndicator linkable={viewsFor(session.user.role).some((v) => v.id === 'sync')} />}
        </div>
        <div className="lang-switch" role="group" aria-label={t('header.language')}>
          {LANGS.map((l: Lang) => (
            <button
              key={l} type="button" lang={l} aria-pressed={l === lang} onClick={() => setLang(l)}
              title={t(l === 'fr' ? 'lang.fr' : 'lang.en')} data-lang={l}
            >
              {l.toUpperCase()}
            </button>
          ))}
        </div>
        <div className="user" data-testid="user">
          <span className="user-avatar" aria-hidden="true">{(session.user.name ?? t('header.localOperator')).slice(0, 1).toUpperCase()}</span>
          <span className="user-text">
            <span className="user-name">{session.user.name ?? t('header.localOperator')}</span>
            <span className="user-role" data-testid="user-role">{t(`role.${session.user.role}`)}</span>
          </span>
          {!session.local && <button type="button" className="btn btn-small" onClick={() => void session.signOut()} data-testid="sign-out">{t('header.signOut')}</button>}
        </div>
      </div>
    </header>
  );
}

function NotFound({ home }: { home: string }) {
  const { t } = useI18n();
  return (
    <div className="page">
      <p>{t('app.notFound')}</p>
      <a href={href(home)}>{t('app.notFound.back')}</a>
    </div>
  );
}
