// Form fields that show the API's validation errors where they belong. The API answers a refused
// change with `error.issues[]`, each with a `path` such as `siren` or `fx_rates[0].rate`; every
// field is named by the same path, shows its issues under it (aria-invalid, aria-describedby),
// and issues no field claims are listed at the top of the form so nothing is lost.
import { createContext, useCallback, useContext, useEffect, useId, useRef, useState, type ReactNode, type RefObject } from 'react';
import type { CallArgs, ErrorValue, Input, Issue, Output, Result } from '../api';
import { useMutate, type MutationName } from '../use-api';
import { useI18n, type MessageKey, type Translate } from '../i18n';
import { errorMessage } from './errors';

/** Per-field wording for the field's own format rules, keyed by path or path pattern. */
export type IssueHints = Record<string, MessageKey>;

const GENERIC: Record<string, MessageKey> = {
  duplicate_id: 'issue.duplicate_id',
  unknown_reference: 'issue.unknown_reference',
  invalid_value: 'issue.invalid_value',
  invalid_enum_value: 'issue.invalid_value',
  invalid_type: 'issue.invalid_type',
};

/** A field shows the issues of its path and of the items under it (`when.seller[2]`). */
export const claims = (field: string, path: string) => path === field || path.startsWith(`${field}[`);

/** `fx_rates[3].rate` → `fx_rates[].rate`, to look up a hint for every row of a list. */
const pattern = (path: string) => path.replace(/\[\d+\]/g, '[]');

export function issueText(issue: Issue, t: Translate, hints: IssueHints = {}, value?: unknown): string {
  if (issue.code === 'too_small' && (value === '' || value === null || value === undefined)) return t('issue.required');
  const generic = GENERIC[issue.code];
  if (generic) return t(generic);
  const hint = hints[issue.path] ?? hints[pattern(issue.path)];
  if (hint) return t(hint);
  return issue.message;
}

/** Each field's label by its path, so the form's banner can name every field to fix. */
type FieldLabels = Map<string, string>;
interface FormErrorContext { issues: readonly Issue[]; hints: IssueHints; labels: FieldLabels | null }
const ErrorsContext = createContext<FormErrorContext>({ issues: [], hints: {}, labels: null });

/** The label of the field showing `path` (the longest field path that claims it). */
function labelOf(labels: FieldLabels, path: string): string | null {
  let best: string | null = null;
  for (const name of labels.keys()) if (claims(name, path) && (best === null || name.length > best.length)) best = name;
  return best === null ? null : labels.get(best)!;
}

export interface ApiForm {
  saving: boolean;
  issues: Issue[];
  error: ErrorValue | null;
  formRef: RefObject<HTMLFormElement | null>;
  /**
   * Calls the operation (views read again once it succeeds: `useMutate`); on refusal keeps its
   * issues and focuses the first invalid field.
   */
  submit<K extends MutationName>(name: K, input: Input<K>): Promise<Output<K> | null>;
  /** The same for an operation run another way (e.g. signing in through the session). */
  run<T>(op: () => Promise<Result<T>>): Promise<T | null>;
  /** Counts refusals: each one moves the focus to the first invalid field. */
  refusals: number;
  reset(): void;
}

export function useApiForm(): ApiForm {
  const [saving, setSaving] = useState(false);
  const [issues, setIssues] = useState<Issue[]>([]);
  const [error, setError] = useState<ErrorValue | null>(null);
  const [refusals, setRefusals] = useState(0);
  const formRef = useRef<HTMLFormElement>(null);
  const run = useCallback(async <T,>(op: () => Promise<Result<T>>): Promise<T | null> => {
    setSaving(true);
    const r = await op();
    setSaving(false);
    if (r.ok) { setIssues([]); setError(null); return r.value; }
    setIssues(r.error.issues ?? []);
    setError(r.error);
    setRefusals((n) => n + 1);
    return null;
  }, []);
  const mutate = useMutate();
  const submit = useCallback(<K extends MutationName,>(name: K, input: Input<K>) => run(() => mutate(name, ...([input] as CallArgs<K>))), [run, mutate]);
  const reset = useCallback(() => { setIssues([]); setError(null); }, []);
  return { saving, issues, error, formRef, submit, run, reset, refusals };
}

/** The form element: provides the issues to its fields and lists those no field shows. */
export function ApiFormView({ form, hints = {}, fieldPaths, onSubmit, children, label }: {
  form: ApiForm;
  hints?: IssueHints;
  /** Every path a field of this form shows; other issues go to the summary. */
  fieldPaths: readonly string[];
  onSubmit(): void;
  children: ReactNode;
  label: string;
}) {
  const { t, dateTime } = useI18n();
  // Read apart from the ref, so rendering reads values only (React's rules for refs).
  const { issues, error, refusals, formRef } = form;
  const [labels] = useState<FieldLabels>(() => new Map());
  const orphan = issues.filter((i) => !fieldPaths.some((f) => claims(f, i.path)));
  const claimed = issues.filter((i) => !orphan.includes(i));
  // After a refusal is on screen, focus goes to the first invalid field (or the summary).
  useEffect(() => {
    if (refusals === 0) return;
    const el = formRef.current;
    (el?.querySelector<HTMLElement>('[aria-invalid="true"]') ?? el?.querySelector<HTMLElement>('.form-errors'))?.focus();
  }, [refusals, formRef]);
  const failed = error !== null;
  return (
    <ErrorsContext.Provider value={{ issues, hints, labels }}>
      <form
        ref={formRef} aria-label={label} noValidate className="form"
        onSubmit={(e) => { e.preventDefault(); onSubmit(); }}
      >
        {failed && (
          <div className="form-errors" role="alert" tabIndex={-1}>
            {issues.length > 0 ? <p>{t('form.errorSummary')}</p> : <p>{errorMessage(error!, t, dateTime)}</p>}
            {/* Every issue, each once: the fields' under their label, then those no field shows. */}
            {issues.length > 0 && (
              <ul data-testid="form-error-list">
                {claimed.map((i, n) => <li key={`f${n}`}><strong>{labelOf(labels, i.path) ?? i.path}</strong> — {issueText(i, t, hints)}</li>)}
                {orphan.map((i, n) => <li key={`o${n}`}><code>{i.path || '(root)'}</code> — {issueText(i, t, hints)}</li>)}
              </ul>
            )}
          </div>
        )}
        {children}
      </form>
    </ErrorsContext.Provider>
  );
}

function useFieldIssues(name: string): { messages: string[] } {
  const { issues, hints } = useContext(ErrorsContext);
  const { t } = useI18n();
  return { messages: issues.filter((i) => claims(name, i.path)).map((i) => issueText(i, t, hints, undefined)) };
}

interface FieldFrameProps {
  label: string;
  name: string;
  hint?: string;
  required?: boolean;
  className?: string;
  /** Keeps the label for screen readers only (cells of an editable table). */
  hideLabel?: boolean;
  /** The current value, to word an empty required field as "required". */
  value?: unknown;
  children(control: { id: string; name: string; invalid: boolean; describedBy: string | undefined }): ReactNode;
}

/** Label, control, hint and the field's errors, tied together for screen readers. */
export function Field({ label, name, hint, required, className, hideLabel, value, children }: FieldFrameProps) {
  const id = useId();
  const { t } = useI18n();
  const { issues, hints, labels } = useContext(ErrorsContext);
  useEffect(() => {
    if (!labels) return;
    labels.set(name, label);
    return () => { if (labels.get(name) === label) labels.delete(name); };
  }, [labels, name, label]);
  const mine = issues.filter((i) => claims(name, i.path));
  const messages = mine.map((i) => issueText(i, t, hints, value));
  const invalid = messages.length > 0;
  const hintId = hint ? `${id}-hint` : undefined;
  const errId = invalid ? `${id}-err` : undefined;
  const describedBy = [errId, hintId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${invalid ? ' invalid' : ''}${className ? ` ${className}` : ''}`} data-field={name}>
      <div className={`label-row${hideLabel ? ' visually-hidden' : ''}`}>
        <label htmlFor={id}>{label}</label>
        {/* Outside the label: the accessible name stays the label itself (aria-required says it). */}
        {required && <span className="req" aria-hidden="true">*</span>}
      </div>
      {children({ id, name, invalid, describedBy })}
      {invalid && <p id={errId} className="field-error">{messages.join(' ')}</p>}
      {hint && <p id={hintId} className="field-hint">{hint}</p>}
    </div>
  );
}

export function TextField({ label, name, value, onChange, hint, required, disabled, placeholder, mono, inputMode, maxLength, className, autoFocus, hideLabel, password, autoComplete }: {
  label: string; name: string; value: string; onChange(v: string): void; hint?: string; required?: boolean; disabled?: boolean;
  placeholder?: string; mono?: boolean; inputMode?: 'text' | 'numeric' | 'decimal'; maxLength?: number; className?: string; autoFocus?: boolean; hideLabel?: boolean;
  /** A password input (masked, with the browser's password manager hints). */
  password?: boolean; autoComplete?: string;
}) {
  return (
    <Field label={label} name={name} hint={hint} required={required} className={className} value={value} hideLabel={hideLabel}>
      {({ id, invalid, describedBy }) => (
        <input
          id={id} name={name} value={value} onChange={(e) => onChange(e.target.value)} disabled={disabled}
          placeholder={placeholder} inputMode={inputMode} maxLength={maxLength} autoFocus={autoFocus}
          aria-invalid={invalid || undefined} aria-describedby={describedBy} aria-required={required || undefined}
          className={mono ? 'mono' : undefined} autoComplete={autoComplete ?? 'off'} spellCheck={false} type={password ? 'password' : 'text'}
        />
      )}
    </Field>
  );
}

export function NumberField({ label, name, value, onChange, hint, required, disabled, step, min, max }: {
  label: string; name: string; value: number | ''; onChange(v: number | ''): void; hint?: string; required?: boolean; disabled?: boolean;
  step?: number; min?: number; max?: number;
}) {
  return (
    <Field label={label} name={name} hint={hint} required={required} value={value}>
      {({ id, invalid, describedBy }) => (
        <input
          id={id} name={name} type="number" value={value} step={step} min={min} max={max} disabled={disabled} className="num"
          onChange={(e) => onChange(e.target.value === '' ? '' : Number(e.target.value))}
          aria-invalid={invalid || undefined} aria-describedby={describedBy} aria-required={required || undefined}
        />
      )}
    </Field>
  );
}

export interface Option { value: string; label: string }

export function SelectField({ label, name, value, onChange, options, hint, required, disabled, className, hideLabel }: {
  label: string; name: string; value: string; onChange(v: string): void; options: readonly Option[]; hint?: string;
  required?: boolean; disabled?: boolean; className?: string; hideLabel?: boolean;
}) {
  return (
    <Field label={label} name={name} hint={hint} required={required} className={className} value={value} hideLabel={hideLabel}>
      {({ id, invalid, describedBy }) => (
        <select
          id={id} name={name} value={value} onChange={(e) => onChange(e.target.value)} disabled={disabled}
          aria-invalid={invalid || undefined} aria-describedby={describedBy} aria-required={required || undefined}
        >
          {options.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
        </select>
      )}
    </Field>
  );
}

export function CheckboxField({ label, name, checked, onChange, disabled }: {
  label: string; name: string; checked: boolean; onChange(v: boolean): void; disabled?: boolean;
}) {
  const id = useId();
  const { messages } = useFieldIssues(name);
  const invalid = messages.length > 0;
  return (
    <div className={`field field-check${invalid ? ' invalid' : ''}`} data-field={name}>
      <input
        id={id} type="checkbox" name={name} checked={checked} disabled={disabled}
        onChange={(e) => onChange(e.target.checked)} aria-invalid={invalid || undefined}
        aria-describedby={invalid ? `${id}-err` : undefined}
      />
      <label htmlFor={id}>{label}</label>
      {invalid && <p id={`${id}-err`} className="field-error">{messages.join(' ')}</p>}
    </div>
  );
}

/** Save / Cancel at the foot of a form. */
export function FormActions({ saving, submitLabel, onCancel, children }: { saving: boolean; submitLabel: string; onCancel?: () => void; children?: ReactNode }) {
  const { t } = useI18n();
  return (
    <div className="form-actions">
      <button type="submit" className="btn btn-primary" disabled={saving}>{saving ? t('form.saving') : submitLabel}</button>
      {onCancel && <button type="button" className="btn" onClick={onCancel}>{t('form.cancel')}</button>}
      {children}
    </div>
  );
}

/** Text inputs hold strings; the API wants null for an empty optional value. */
export const orNull = (s: string): string | null => (s.trim() === '' ? null : s.trim());
