// Long operations (exports of large tables, later imports and settlement runs) show their
// progress and can be cancelled. The work receives an AbortSignal and a progress callback; it
// yields to the browser between chunks so the page stays responsive.
import { useCallback, useEffect, useRef, useState } from 'react';
import { useI18n } from '../i18n';

export interface TaskState {
  status: 'idle' | 'running' | 'done' | 'cancelled' | 'failed';
  label: string;
  done: number;
  total: number;
  error?: string;
  /** The work failed with an API error the view shows itself (LoadError): the bar says nothing. */
  reported?: boolean;
}

export interface TaskControls {
  signal: AbortSignal;
  progress(done: number, total: number): void;
}

export class Cancelled extends Error {
  constructor() { super('cancelled'); this.name = 'Cancelled'; }
}

/** Lets the browser paint and handle clicks (such as Cancel); throws once cancelled. */
export async function checkpoint(signal: AbortSignal): Promise<void> {
  await new Promise((r) => setTimeout(r, 0));
  if (signal.aborted) throw new Cancelled();
}

export interface LongTask {
  state: TaskState;
  run<T>(label: string, work: (c: TaskControls) => Promise<T>): Promise<T | undefined>;
  cancel(): void;
}

const IDLE: TaskState = { status: 'idle', label: '', done: 0, total: 0 };

export function useLongTask(): LongTask {
  const [state, setState] = useState<TaskState>(IDLE);
  const controller = useRef<AbortController | null>(null);
  const lastPaint = useRef(0);

  useEffect(() => () => controller.current?.abort(), []);

  const cancel = useCallback(() => controller.current?.abort(), []);

  const run = useCallback(async <T,>(label: string, work: (c: TaskControls) => Promise<T>): Promise<T | undefined> => {
    controller.current?.abort();
    const c = new AbortController();
    controller.current = c;
    setState({ status: 'running', label, done: 0, total: 0 });
    const progress = (done: number, total: number) => {
      // At most ~20 renders a second, however often the work reports.
      const now = performance.now();
      if (now - lastPaint.current < 50 && done < total) return;
      lastPaint.current = now;
      if (!c.signal.aborted) setState((s) => ({ ...s, done, total }));
    };
    try {
      const value = await work({ signal: c.signal, progress });
      if (c.signal.aborted) throw new Cancelled();
      setState((s) => ({ ...s, status: 'done', done: s.total }));
      return value;
    } catch (e) {
      if (e instanceof Cancelled || c.signal.aborted) setState((s) => ({ ...s, status: 'cancelled' }));
      else setState((s) => ({ ...s, status: 'failed', error: (e as Error).message, reported: (e as { error?: unknown }).error !== undefined }));
      return undefined;
    } finally {
      if (controller.current === c) controller.current = null;
    }
  }, []);

  return { state, run, cancel };
}

/** The progress bar and Cancel button of a running task; a short notice once it ends badly. */
export function LongTaskBar({ task }: { task: LongTask }) {
  const { t, number } = useI18n();
  const { state } = task;
  if (state.status === 'idle' || state.status === 'done') return null;
  if (state.status === 'cancelled') return <p className="task-note" role="status">{t('task.cancelled')}</p>;
  if (state.status === 'failed' && state.reported) return null;
  if (state.status === 'failed') return <p className="task-note task-failed" role="alert">{t('task.failed', { message: state.error ?? '' })}</p>;
  const pct = state.total > 0 ? Math.round((state.done / state.total) * 100) : 0;
  return (
    <div className="task" role="group" aria-label={state.label}>
      <span className="task-label">{state.label}</span>
      <progress max={state.total || 1} value={state.done} aria-valuetext={`${pct} %`} />
      <span className="task-count num">{t('task.progress', { done: number(state.done), total: number(state.total) })}</span>
      <button type="button" className="btn btn-small" onClick={task.cancel}>{t('task.cancel')}</button>
    </div>
  );
}
