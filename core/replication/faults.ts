// Fault injection for the crash tests (test/integration/network-faults.test.ts): when
// VENTIL_FAULT_POINT is `NAME:N`, the process kills itself with SIGKILL the N-th time it reaches
// the point NAME. Nothing happens without the variable. Like KILL_AFTER_ENV of release runs.
export const FAULT_ENV = 'VENTIL_FAULT_POINT';

const reached = new Map<string, number>();

export function faultPoint(name: string): void {
  const spec = process.env[FAULT_ENV];
  if (!spec) return;
  const [point, count] = spec.split(':');
  if (point !== name) return;
  const n = (reached.get(name) ?? 0) + 1;
  reached.set(name, n);
  if (n === Number(count ?? '1')) {
    process.kill(process.pid, 'SIGKILL');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10_000); // the signal lands first
  }
}
