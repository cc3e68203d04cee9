// Users (administrator): every account with its role, scope and sign-in state; create one with a
// first password, change its role and scope, reset its password, disable or enable it again
// (docs/security.md). The API keeps the rules: a controller's scope is regions, a store
// manager's entities, the last administrator stays, nobody disables themselves.
import { useCallback, useMemo, useState } from 'react';
import { ROLES, type Role } from '../../../../common/vocabulary';
import type { ErrorValue, Output } from '../../api';
import { useI18n } from '../../i18n';
import { useSession } from '../../session';
import { useApi, useMutate } from '../../use-api';
import { useEntities, type Entity } from '../../entities';
import { DataTable, type Column } from '../../components/DataTable';
import { Badge } from '../../components/Badge';
import { ApiFormView, CheckboxField, FormActions, SelectField, TextField, useApiForm } from '../../components/Form';
import { Drawer, LoadError, Notice, Page } from '../../components/Page';

type User = Output<'users.list'>[number];

export function UsersView() {
  const { t, dateTime } = useI18n();
  const list = useApi('users.list', { include_disabled: true });
  const entities = useEntities();
  const [selected, setSelected] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const clearNotice = useCallback(() => setNotice(null), []);
  const users = useMemo(() => list.data ?? [], [list.data]);
  const current = selected === 'new' ? null : users.find((u) => u.id === selected) ?? null;

  const columns = useMemo<Column<User>[]>(() => [
    { id: 'name', header: t('users.name'), value: (u) => u.name, width: 200, grow: 2 },
    { id: 'login', header: t('users.login'), kind: 'code', value: (u) => u.login, width: 140, grow: 1 },
    { id: 'role', header: t('users.role'), value: (u) => u.role, text: (u) => t(`role.${u.role}`), width: 190, grow: 1 },
    { id: 'scope', header: t('users.scope'), value: (u) => scopeText(t, u, entities.name), width: 200, grow: 2 },
    {
      id: 'state', header: t('users.state'), kind: 'status', value: (u) => (u.disabled ? 'disabled' : u.must_change_password ? 'reset' : 'active'),
      status: (u) => (u.disabled ? { label: t('users.state.disabled'), tone: 'grey' } : u.must_change_password ? { label: t('users.state.mustChange'), tone: 'amber' } : { label: t('users.state.active'), tone: 'green' }),
      width: 170, grow: 0,
    },
    { id: 'last_login_at', header: t('users.lastLogin'), kind: 'datetime', value: (u) => u.last_login_at, width: 150, grow: 0 },
  ], [t, entities]);

  const done = (text: string, id: string | null) => { setNotice(text); setSelected(id); };
  return (
    <Page
      title={t('users.title')} subtitle={t('users.subtitle')} testId="view-users"
      actions={<button type="button" className="btn btn-primary" onClick={() => setSelected('new')}>{t('users.new')}</button>}
    >
      <Notice text={notice} onDone={clearNotice} />
      {list.error && <LoadError error={list.error} onRetry={list.reload} />}
      <div className={`split${selected ? ' with-drawer' : ''}`}>
        <DataTable
          rows={users} columns={columns} rowKey={(u) => u.id} label={t('users.title')} loading={list.loading}
          onRowClick={(u) => setSelected(u.id)} selectedKey={current?.id ?? null}
          initialSort={{ column: 'name', dir: 'asc' }} exportName="utilisateurs" testId="users-table"
        />
        {selected === 'new' && (
          <Drawer title={t('users.create')} onClose={() => setSelected(null)} testId="user-drawer">
            <UserForm key="new" user={null} entities={entities.list} onDone={done} onCancel={() => setSelected(null)} />
          </Drawer>
        )}
        {current && (
          <Drawer title={current.name} onClose={() => setSelected(null)} testId="user-drawer">
            <p className="small muted">{t('users.created', { at: dateTime(current.created_at) })}</p>
            <UserForm key={current.id} user={current} entities={entities.list} onDone={done} onCancel={() => setSelected(null)} />
            <PasswordReset key={`pw-${current.id}`} user={current} onDone={(text) => done(text, current.id)} />
            <Disable key={`off-${current.id}`} user={current} onDone={(text) => done(text, current.id)} />
          </Drawer>
        )}
      </div>
    </Page>
  );
}

function scopeText(t: ReturnType<typeof useI18n>['t'], u: Pick<User, 'role' | 'regions' | 'entities'>, name: (id: string) => string): string {
  if (u.role === 'controller') return u.regions.join(', ');
  if (u.role === 'store_manager') return u.entities.map(name).join(', ');
  return t('users.scope.network');
}

/** Creates a user, or changes one's name, login, role and scope. */
function UserForm({ user, entities, onDone, onCancel }: { user: User | null; entities: readonly Entity[]; onDone(text: string, id: string): void; onCancel(): void }) {
  const { t } = useI18n();
  const form = useApiForm();
  const [name, setName] = useState(user?.name ?? '');
  const [login, setLogin] = useState(user?.login ?? '');
  const [role, setRole] = useState<Role>(user?.role ?? 'store_manager');
  const [regions, setRegions] = useState<readonly string[]>(user?.regions ?? []);
  const [scope, setScope] = useState<readonly string[]>(user?.entities ?? []);
  const [password, setPassword] = useState('');
  const allRegions = useMemo(() => [...new Set(entities.flatMap((e) => (e.region ? [e.region] : [])))].sort(), [entities]);
  const toggle = (list: readonly string[], id: string, on: boolean) => (on ? [...list, id] : list.filter((x) => x !== id));
  const scopeInput = { regions: role === 'controller' ? [...regions] : [], entities: role === 'store_manager' ? [...scope] : [] };

  const submit = async () => {
    if (user === null) {
      const created = await form.submit('users.create', { name, login, role, ...scopeInput, password });
      if (created) onDone(t('users.createdDone', { login: created.login }), created.id);
    } else {
      const saved = await form.submit('users.update', { id: user.id, name, login, role, ...scopeInput });
      if (saved) onDone(t('users.saved', { login: saved.login }), saved.id);
    }
  };
  return (
    <ApiFormView form={form} fieldPaths={['name', 'login', 'role', 'regions', 'entities', 'password']} onSubmit={submit} label={user ? t('users.edit') : t('users.create')}>
      <div className="form-grid">
        <TextField label={t('users.name')} name="name" value={name} onChange={setName} required maxLength={200} />
        <TextField label={t('users.login')} name="login" value={login} onChange={setLogin} required mono maxLength={64} />
        <SelectField label={t('users.role')} name="role" value={role} onChange={(v) => setRole(v as Role)} required options={ROLES.map((r) => ({ value: r, label: t(`role.${r}`) }))} />
        {user === null && <TextField label={t('users.password')} name="password" value={password} onChange={setPassword} required password autoComplete="new-password" hint={t('users.password.hint')} />}
      </div>
      {role === 'controller' && (
        <fieldset className="scope-list" data-field="regions">
          <legend>{t('users.regions')}</legend>
          {allRegions.map((r) => <CheckboxField key={r} label={r} name="regions" checked={regions.includes(r)} onChange={(on) => setRegions(toggle(regions, r, on))} />)}
        </fieldset>
      )}
      {role === 'store_manager' && (
        <fieldset className="scope-list" data-field="entities">
          <legend>{t('users.entities')}</legend>
          {entities.map((e) => <CheckboxField key={e.id} label={`${e.name} (${e.id})`} name="entities" checked={scope.includes(e.id)} onChange={(on) => setScope(toggle(scope, e.id, on))} />)}
        </fieldset>
      )}
      {role !== 'controller' && role !== 'store_manager' && <p className="small muted">{t('users.scope.networkHint')}</p>}
      <FormActions saving={form.saving} submitLabel={user ? t('form.save') : t('users.createSubmit')} onCancel={onCancel} />
    </ApiFormView>
  );
}

/** A new password chosen by the administrator; the user must change it at next sign-in. */
function PasswordReset({ user, onDone }: { user: User; onDone(text: string): void }) {
  const { t } = useI18n();
  const form = useApiForm();
  const [password, setPassword] = useState('');
  const submit = async () => {
    const r = await form.submit('users.resetPassword', { id: user.id, password });
    if (r) onDone(t('users.resetDone', { login: r.user.login, n: r.sessions_ended }));
  };
  return (
    <section className="drawer-section" aria-labelledby={`reset-${user.id}`}>
      <h3 className="subsection" id={`reset-${user.id}`}>{t('users.reset')}</h3>
      <ApiFormView form={form} fieldPaths={['password']} onSubmit={submit} label={t('users.reset')}>
        <TextField label={t('users.newPassword')} name="password" value={password} onChange={setPassword} required password autoComplete="new-password" hint={t('users.reset.hint')} />
        <FormActions saving={form.saving} submitLabel={t('users.resetSubmit')} />
      </ApiFormView>
    </section>
  );
}

/** Disable (after a confirmation: it ends the user's sessions) or enable again. */
function Disable({ user, onDone }: { user: User; onDone(text: string): void }) {
  const { t } = useI18n();
  const { user: me } = useSession();
  const mutate = useMutate();
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<ErrorValue | null>(null);
  const apply = async (disabled: boolean) => {
    setError(null);
    const r = await mutate('users.disable', { id: user.id, disabled });
    if (!r.ok) { setError(r.error); return; }
    setConfirming(false);
    onDone(t(disabled ? 'users.disabledDone' : 'users.enabledDone', { login: r.value.user.login }));
  };
  return (
    <section className="drawer-section">
      <h3 className="subsection">{t('users.access')}</h3>
      <p className="small"><Badge tone={user.disabled ? 'grey' : 'green'}>{t(user.disabled ? 'users.state.disabled' : 'users.state.active')}</Badge></p>
      {error && <LoadError error={error} />}
      {user.disabled
        ? <button type="button" className="btn" onClick={() => void apply(false)}>{t('users.enable')}</button>
        : user.id !== me.id && !confirming && <button type="button" className="btn btn-danger-quiet" onClick={() => setConfirming(true)}>{t('users.disable')}</button>}
      {confirming && (
        <div className="confirm" role="alertdialog" aria-label={t('users.disable')}>
          <p>{t('users.confirmDisable', { name: user.name })}</p>
          <div className="form-actions">
            <button type="button" className="btn btn-danger" onClick={() => void apply(true)} autoFocus>{t('users.confirmDisableButton')}</button>
            <button type="button" className="btn" onClick={() => setConfirming(false)}>{t('form.cancel')}</button>
          </div>
        </div>
      )}
    </section>
  );
}
