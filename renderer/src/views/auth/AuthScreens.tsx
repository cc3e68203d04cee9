// The screens before the back office: sign-in (with the demo accounts listed on the demo
// database), the first administrator of a new database, and the new password a user must
// choose after a reset.
import { useEffect, useState, type ReactNode } from 'react';
import type { Role } from '../../../../common/vocabulary';
import { useApi } from '../../use-api';
import { LANGS, useI18n, type MessageKey } from '../../i18n';
import { useSession, type AuthStatus, type SessionUser } from '../../session';
import { ApiFormView, TextField, useApiForm } from '../../components/Form';
import { Badge, type Tone } from '../../components/Badge';
import { LoadError } from '../../components/Page';
import { RevokedBanner } from '../replica/Replica';
import { FirstStartChoices, JoiningScreen } from './FirstStart';

export const ROLE_TONE: Record<Role, Tone> = { admin: 'violet', finance: 'blue', auditor: 'grey', controller: 'amber', store_manager: 'green' };

function LangSwitch() {
  const { t, lang, setLang } = useI18n();
  return (
    <div className="lang-switch" role="group" aria-label={t('header.language')}>
      {LANGS.map((l) => (
        <button key={l} type="button" lang={l} aria-pressed={l === lang} onClick={() => setLang(l)} data-lang={l} title={t(l === 'fr' ? 'lang.fr' : 'lang.en')}>
          {l.toUpperCase()}
        </button>
      ))}
    </div>
  );
}

export function AuthLayout({ demo, title, subtitle, children, wide, status }: { demo: boolean; title: string; subtitle?: string; children: ReactNode; wide?: boolean; status?: AuthStatus }) {
  const { t } = useI18n();
  useEffect(() => { document.title = `${title} · ${t('app.name')}`; }, [title, t]);
  const replicaOf = status?.installation?.kind === 'replica' ? status.installation.hub_url : null;
  return (
    <div className="auth-page">
      {demo && <div className="demo-banner" role="note" data-testid="demo-banner">{t('demo.banner')}</div>}
      <RevokedBanner revoked={status?.installation?.revoked ?? false} />
      <div className="auth-top">
        <div className="brand brand-dark">
          <span className="brand-mark" aria-hidden="true">V</span>
          <span className="brand-text"><strong>{t('app.name')}</strong><small>{t('app.tagline')}</small></span>
        </div>
        <LangSwitch />
      </div>
      <main className={`auth-main${wide ? ' wide' : ''}`} id="main">
        <section className="auth-card card" aria-labelledby="auth-title">
          <h1 id="auth-title">{title}</h1>
          {subtitle && <p className="page-sub">{subtitle}</p>}
          {replicaOf && <p className="small muted" data-testid="replica-of">{t('replica.of', { hub: replicaOf })}</p>}
          {children}
        </section>
      </main>
    </div>
  );
}

export function AuthGate() {
  const session = useSession();
  const { phase } = session;
  const { t } = useI18n();
  if (phase.kind === 'loading') return <div className="auth-page"><p className="loading auth-loading" role="status">{t('app.loading')}</p></div>;
  // No run token, or not this run's: retrying cannot help; say where the right address is.
  if (phase.kind === 'error' && phase.error.code === 'unauthenticated') {
    return (
      <AuthLayout demo={false} title={t('token.title')}>
        <div className="alert alert-warning" role="alert" data-testid="token-help">
          <span>{t('token.text')}</span>
        </div>
        <p className="muted small">{t('token.hint')}</p>
      </AuthLayout>
    );
  }
  if (phase.kind === 'error') {
    return (
      <AuthLayout demo={false} title={t('auth.unavailable')}>
        <LoadError error={phase.error} onRetry={session.refresh} />
      </AuthLayout>
    );
  }
  if (phase.kind === 'setup') return <SetupScreen status={phase.status} />;
  if (phase.kind === 'joining') return <JoiningScreen status={phase.status} />;
  if (phase.kind === 'change-password') return <ChangePasswordScreen status={phase.status} user={phase.user} />;
  if (phase.kind === 'login') return <SignInScreen status={phase.status} expired={phase.reason === 'expired'} />;
  return null;
}

function SignInScreen({ status, expired }: { status: AuthStatus; expired: boolean }) {
  const { t } = useI18n();
  const session = useSession();
  const form = useApiForm();
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const demo = useApi(status.demo ? 'auth.demoUsers' : null);
  const demoUsers = demo.data ?? null;
  const demoError = demo.error;

  const signIn = (l: string, p: string) => form.run(() => session.signIn(l, p));

  return (
    <AuthLayout demo={status.demo} title={t('auth.signIn.title')} subtitle={t('auth.signIn.subtitle')} wide={status.demo} status={status}>
      {expired && <p className="alert alert-info" role="status">{t('auth.expired')}</p>}
      <ApiFormView form={form} fieldPaths={['login', 'password']} onSubmit={() => signIn(login, password)} label={t('auth.signIn.title')}
        hints={{ password: 'issue.weak_password' }}>
        <div className="form-stack">
          <TextField label={t('auth.login')} name="login" value={login} onChange={setLogin} required autoFocus autoComplete="username" />
          <TextField label={t('auth.password')} name="password" value={password} onChange={setPassword} required password autoComplete="current-password" />
        </div>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary btn-wide" disabled={form.saving}>{form.saving ? t('auth.signingIn') : t('auth.signIn')}</button>
        </div>
      </ApiFormView>
      {status.demo && (
        <section className="demo-users" aria-labelledby="demo-users-title">
          <h2 id="demo-users-title">{t('auth.demoUsers.title')}</h2>
          <p className="muted small">{t('auth.demoUsers.subtitle')}</p>
          {demoError && <LoadError error={demoError} />}
          {demoUsers && (
            <table className="grid-table demo-table" aria-labelledby="demo-users-title">
              <thead>
                <tr>
                  <th scope="col">{t('auth.demoUsers.name')}</th>
                  <th scope="col">{t('auth.demoUsers.role')}</th>
                  <th scope="col">{t('auth.login')}</th>
                  <th scope="col">{t('auth.password')}</th>
                  <th scope="col"><span className="visually-hidden">{t('auth.signIn')}</span></th>
                </tr>
              </thead>
              <tbody>
                {demoUsers.map((u) => (
                  <tr key={u.login} data-login={u.login}>
                    <td>{u.name}</td>
                    <td><Badge tone={ROLE_TONE[u.role] ?? 'grey'}>{t(`role.${u.role}` as MessageKey)}</Badge></td>
                    <td className="mono">{u.login}</td>
                    <td className="mono">{u.password}</td>
                    <td>
                      <button type="button" className="btn btn-small" disabled={form.saving} onClick={() => signIn(u.login, u.password)}
                        aria-label={t('auth.demoUsers.signInAs', { name: u.name })}>
                        {t('auth.signIn')}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      )}
    </AuthLayout>
  );
}

function SetupScreen({ status }: { status: AuthStatus }) {
  const { t } = useI18n();
  const session = useSession();
  const form = useApiForm();
  const [name, setName] = useState('');
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const submit = () => {
    if (password !== confirm) { setMismatch(true); return; }
    setMismatch(false);
    return form.run(() => session.setup(name, login, password));
  };
  const adminForm = (
      <ApiFormView form={form} fieldPaths={['name', 'login', 'password']} onSubmit={submit} label={t('auth.setup.title')}
        hints={{ password: 'issue.weak_password', login: 'issue.login' }}>
        <div className="form-stack">
          <TextField label={t('auth.name')} name="name" value={name} onChange={setName} required autoFocus />
          <TextField label={t('auth.login')} name="login" value={login} onChange={setLogin} required />
          <TextField label={t('auth.password')} name="password" value={password} onChange={setPassword} required password autoComplete="new-password"
            hint={t('auth.passwordRule', { min: status.password_min_length })} />
          <TextField label={t('auth.confirm')} name="confirm" value={confirm} onChange={setConfirm} required password autoComplete="new-password" />
          {mismatch && <p className="field-error" role="alert">{t('auth.mismatch')}</p>}
        </div>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary btn-wide" disabled={form.saving}>{t('auth.setup.submit')}</button>
        </div>
      </ApiFormView>
  );
  // A new, empty database also offers joining a network and the demo (docs/deployment.md).
  if (status.can_join) {
    return (
      <AuthLayout demo={false} title={t('setup.title')} subtitle={t('setup.choose')} wide status={status}>
        <FirstStartChoices status={status} hub={<><h2>{t('setup.hub.title')}</h2><p className="small muted">{t('auth.setup.subtitle')}</p>{adminForm}</>} />
      </AuthLayout>
    );
  }
  return (
    <AuthLayout demo={status.demo} title={t('auth.setup.title')} subtitle={t('auth.setup.subtitle')} status={status}>
      {adminForm}
    </AuthLayout>
  );
}

function ChangePasswordScreen({ status, user }: { status: AuthStatus; user: SessionUser }) {
  const { t } = useI18n();
  const session = useSession();
  const form = useApiForm();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const submit = () => {
    if (next !== confirm) { setMismatch(true); return; }
    setMismatch(false);
    return form.run(() => session.changePassword(current, next));
  };
  return (
    <AuthLayout demo={status.demo} title={t('auth.change.title')} subtitle={t('auth.change.subtitle', { name: user.name ?? '' })}>
      <ApiFormView form={form} fieldPaths={['current_password', 'new_password']} onSubmit={submit} label={t('auth.change.title')}
        hints={{ new_password: 'issue.weak_password' }}>
        <div className="form-stack">
          <TextField label={t('auth.currentPassword')} name="current_password" value={current} onChange={setCurrent} required password autoComplete="current-password" autoFocus />
          <TextField label={t('auth.newPassword')} name="new_password" value={next} onChange={setNext} required password autoComplete="new-password"
            hint={t('auth.passwordRule', { min: status.password_min_length })} />
          <TextField label={t('auth.confirm')} name="confirm" value={confirm} onChange={setConfirm} required password autoComplete="new-password" />
          {mismatch && <p className="field-error" role="alert">{t('auth.mismatch')}</p>}
        </div>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={form.saving}>{t('auth.change.submit')}</button>
          <button type="button" className="btn" onClick={() => void session.signOut()}>{t('header.signOut')}</button>
        </div>
      </ApiFormView>
    </AuthLayout>
  );
}
