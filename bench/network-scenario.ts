// The network the settlement benchmarks share (settle, dashboard, compute): 500 entities and N
// generated orders over most of 2026, settled as of BENCH_NOW. One definition, so that their
// figures in docs/performance.md are of the same scenario.
import { generateScenario } from '../core/demo/generate.js';

export const BENCH_NOW = new Date('2026-12-01T00:00:00Z');

/** The raw (unvalidated) scenario of `orders` orders. */
export const networkScenario = (orders: number) =>
  generateScenario({ seed: 7, franchisees: 498, orders, from: '2026-01-05', to: '2026-11-10', eventsUntil: '2026-11-30T00:00:00Z' });
