// The first start of a new database (docs/deployment.md): join a network with the code IT gave
// (the device becomes a replica of head office's hub; the join runs in the background and this
// screen follows it), become head office (the first administrator), or open the demo.
import { useEffect, useState, type ReactNode } from 'react';
import { call } from '../../api';
import { useI18n } from '../../i18n';
import { useSession, type AuthStatus } from '../../session';
import { ApiFormView, TextField, useApiForm } from '../../components/Form';
import { AuthLayout } from './AuthScreens';

export function FirstStartChoices({ status, hub }: { status: AuthStatus; hub: ReactNode }) {
  const { t } = useI18n();
  const session = useSession();
  const join = useApiForm();
  const [url, setUrl] = useState('https://');
  const [code, setCode] = useState('');
  const [ca, setCa] = useState('');
  const [demoBusy, setDemoBusy] = useState(false);
  const [demoError, setDemoError] = useState<string | null>(null);
  const refused = status.installation?.join_error;
  const submitJoin = () => join.run(async () => {
    const r = await call('setup.join', { url: url.trim(), code: code.trim(), ...(ca.trim() ? { ca: ca.trim() } : {}) });
    if (r.ok) session.refresh();
    return r;
  });
  const openDemo = async () => {
    setDemoBusy(true);
    const r = await call('setup.demo', {});
    setDemoBusy(false);
    if (r.ok) session.refresh(); else setDemoError(r.error.message);
  };
  return (
    <div className="first-start" data-testid="first-start">
      <section className="first-start-choice" aria-labelledby="join-title" data-choice="join">
        <h2 id="join-title">{t('setup.join.title')}</h2>
        <p className="small muted">{t('setup.join.hint')}</p>
        {refused && <p className="alert alert-error" role="alert" data-testid="join-refused">{t('setup.join.failed', { message: refused.message })}</p>}
        <ApiFormView form={join} fieldPaths={['url', 'code', 'ca']} onSubmit={submitJoin} label={t('setup.join.title')}>
          <div className="form-stack">
            <TextField label={t('setup.join.url')} name="url" value={url} onChange={setUrl} required />
            <TextField label={t('setup.join.code')} name="code" value={code} onChange={setCode} required />
            <div className="field">
              <label htmlFor="join-ca">{t('setup.join.ca')}</label>
              <textarea id="join-ca" rows={2} value={ca} onChange={(e) => setCa(e.target.value)} spellCheck={false} />
            </div>
          </div>
          <div className="form-actions">
            <button type="submit" className="btn btn-primary" disabled={join.saving}>{t('setup.join.submit')}</button>
          </div>
        </ApiFormView>
      </section>
      <section className="first-start-choice" data-choice="hub">{hub}</section>
      <section className="first-start-choice" aria-labelledby="demo-title" data-choice="demo">
        <h2 id="demo-title">{t('setup.demo.title')}</h2>
        <p className="small muted">{t('setup.demo.hint')}</p>
        {demoError && <p className="alert alert-error" role="alert">{demoError}</p>}
        <button type="button" className="btn" onClick={() => void openDemo()} disabled={demoBusy} data-testid="open-demo">
          {demoBusy ? t('setup.demo.progress') : t('setup.demo.submit')}
        </button>
      </section>
    </div>
  );
}

/** While the background joins: follows auth.status until the device has joined (or was refused). */
export function JoiningScreen({ status }: { status: AuthStatus }) {
  const { t } = useI18n();
  const session = useSession();
  useEffect(() => {
    const id = window.setInterval(() => session.refresh(), 2_000);
    return () => window.clearInterval(id);
  }, [session]);
  return (
    <AuthLayout demo={false} title={t('setup.join.title')} status={status}>
      <p className="loading" role="status" data-testid="joining">{t('setup.join.progress', { hub: status.installation?.hub_url ?? '' })}</p>
    </AuthLayout>
  );
}
