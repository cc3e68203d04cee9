// The domain's public surface: the settlement engine and its input and output types.
export * from './money.js';
export * from './scenario.js';
export * from './settlement-types.js';
export { buildContext, ContextError, normalisePostcode, type LocationInfo, type SettlementContext } from './context.js';
export {
  settle, settleOrder, settleScenario, checkConservation, buildReport, reportOrder, reportLine, defaultAsOf, eventsByOrder,
  formatSettlementJson, settlementJsonChunks, ConservationError, type ConservationCheck, type ScenarioSettlement,
} from './settle.js';
export { explain, explainPayout, formatExplanation, ExplainError, type Contribution, type Explanation, type PayoutExplanation } from './explain.js';
export { formatSettlementText } from './report-text.js';
export { eventIdentity } from './event-identity.js';
export { reversedTotal, reversalStep } from './reversals.js';
export { isTimestamp, isDate, isoUtc, toMs } from './time.js';
