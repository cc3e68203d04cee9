// Labels and badge colours of the domain's codes, in one place so every view shows a status the
// same way.
import type { CHANNELS, LINE_STATUSES } from '../../common/vocabulary';
import type { Tone } from './components/Badge';
import type { MessageKey, Translate } from './i18n';

export const CHANNEL_TONE: Record<(typeof CHANNELS)[number], Tone> = { web: 'blue', app: 'violet', phone: 'grey', store: 'green', endless_aisle: 'amber' };

export const LINE_STATUS_TONE: Record<(typeof LINE_STATUSES)[number], Tone> = {
  pending: 'grey', accepted: 'blue', shipped: 'blue', delivered: 'green', collected: 'green', fulfilled: 'green', cancelled: 'red', returned: 'amber',
};

export const channelLabel = (t: Translate, c: string) => t(`channel.${c}` as MessageKey);
export const lineStatusLabel = (t: Translate, s: string) => t(`lineStatus.${s}` as MessageKey);
/** A role on a line (`owner`, `seller`...) or a named entity (`entity:HQ`). */
export const legRoleLabel = (t: Translate, r: string) => (r.startsWith('entity:') ? r.slice(7) : t(`legRole.${r}` as MessageKey));

/** Rule groups are named by head office; the usual ones are translated, others shown as named. */
const RULE_GROUPS = ['commission', 'royalty', 'logistics', 'bonus', 'marketing'] as const;
export const groupLabel = (t: Translate, g: string) => ((RULE_GROUPS as readonly string[]).includes(g) ? t(`ruleGroup.${g}` as MessageKey) : g);
