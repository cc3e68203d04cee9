// The first screen for every role: what the network holds (counts from `network.summary`) and
// how it is spread (locations by region, entities by kind), read from the registry.
import { useMemo } from 'react';
import { ENTITY_KINDS, LOCATION_KINDS } from '../../../common/vocabulary';
import { useI18n, type MessageKey } from '../i18n';
import { useNetwork } from '../network';
import { useApi } from '../use-api';
import { BarChartCard } from '../components/Charts';
import { LoadError, Loading, Page } from '../components/Page';

const KPIS: readonly { key: 'entities' | 'locations' | 'catchments' | 'rules' | 'orders' | 'lines' | 'events'; label: MessageKey }[] = [
  { key: 'entities', label: 'overview.entities' },
  { key: 'locations', label: 'overview.locations' },
  { key: 'catchments', label: 'overview.catchments' },
  { key: 'rules', label: 'overview.rules' },
  { key: 'orders', label: 'overview.orders' },
  { key: 'lines', label: 'overview.lines' },
  { key: 'events', label: 'overview.events' },
];

export function Overview() {
  const { t, number } = useI18n();
  const network = useNetwork();
  const entities = useApi('network.entities.list');
  const locations = useApi('network.locations.list');
  const s = network.data;

  const platformName = useMemo(() => {
    if (!s?.platform_entity) return t('overview.platformNone');
    const e = entities.data?.find((x) => x.id === s.platform_entity);
    return e ? `${e.name} (${e.id})` : s.platform_entity;
  }, [s, entities.data, t]);

  const byRegion = useMemo(() => {
    if (!entities.data || !locations.data) return [];
    const region = new Map(entities.data.map((e) => [e.id, e.region ?? t('overview.chart.noRegion')]));
    const rows = new Map<string, Record<string, number | string>>();
    for (const l of locations.data) {
      const r = region.get(l.entity) ?? t('overview.chart.noRegion');
      const row = rows.get(r) ?? { region: r, store: 0, warehouse: 0, dark_store: 0 };
      row[l.kind] = (row[l.kind] as number) + 1;
      rows.set(r, row);
    }
    return [...rows.values()].sort((a, b) => String(a.region).localeCompare(String(b.region)));
  }, [entities.data, locations.data, t]);

  const byKind = useMemo(() => {
    if (!entities.data) return [];
    return ENTITY_KINDS.map((k) => ({ kind: t(`entity.kind.${k}`), count: entities.data!.filter((e) => e.kind === k).length }))
      .filter((r) => r.count > 0);
  }, [entities.data, t]);

  return (
    <Page title={t('overview.title')} subtitle={t('overview.subtitle')} testId="view-overview">
      {!s && !network.error && <Loading />}
      {s && (
        <>
          <dl className="kpis" data-testid="summary">
            {KPIS.map((k) => (
              <div className="kpi card" key={k.key}>
                <dt>{t(k.label)}</dt>
                <dd className="num" data-testid={`kpi-${k.key}`} data-value={s[k.key]}>{number(s[k.key])}</dd>
              </div>
            ))}
            <div className="kpi card kpi-wide">
              <dt>{t('overview.platform')}</dt>
              <dd className="kpi-text" data-testid="platform">{platformName}</dd>
            </div>
          </dl>
          {(entities.error || locations.error) && <LoadError error={(entities.error ?? locations.error)!} onRetry={() => { entities.reload(); locations.reload(); }} />}
          <div className="chart-grid">
            <BarChartCard
              title={t('overview.chart.locations')} data={byRegion} xKey="region" stacked
              series={LOCATION_KINDS.map((k) => ({ key: k, label: t(`location.kind.${k}`) }))}
            />
            <BarChartCard title={t('overview.chart.entities')} data={byKind} xKey="kind" series={[{ key: 'count', label: t('overview.entities') }]} />
          </div>
        </>
      )}
    </Page>
  );
}
