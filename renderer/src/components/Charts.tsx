// Chart cards for dashboards, drawn with recharts. Money series hold integer minor units; only
// the axis ticks and tooltips turn them into text (format/money.ts), so no amount is rounded
// through floats on its way to the screen.
import type { ReactNode } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useI18n } from '../i18n';
import { minorToDecimal } from '../format/money';

/** One palette for every chart; series keep their colour across views. */
export const SERIES_COLOURS = ['#1f5f99', '#3d9970', '#d9822b', '#7a4fb5', '#c23b3b', '#5b6b7f', '#2a9fb0', '#a08a2c'];

/** One point on the x axis: its label and a value per series. */
export type ChartDatum = Record<string, string | number>;

export interface Series { key: string; label: string; colour?: string }

export type ValueFormat = { kind: 'number' } | { kind: 'money'; currency: string };

function useValueFormatter(format: ValueFormat) {
  const { money, number, locale } = useI18n();
  const compact = new Intl.NumberFormat(locale, { notation: 'compact', maximumFractionDigits: 1 });
  if (format.kind === 'money') {
    return {
      full: (v: number) => money(v, format.currency),
      // Axis ticks only: a compact "12 k€"-style label from the exact decimal.
      tick: (v: number) => compact.format(Number(minorToDecimal(Math.round(v), format.currency))),
    };
  }
  return { full: (v: number) => number(v), tick: (v: number) => compact.format(v) };
}

function ChartCard({ title, children, empty, height }: { title: string; children: ReactNode; empty: boolean; height: number }) {
  const { t } = useI18n();
  return (
    <figure className="card chart-card">
      <figcaption className="card-title">{title}</figcaption>
      {empty ? <p className="muted chart-empty">{t('overview.chart.empty')}</p> : <div style={{ height }}>{children}</div>}
    </figure>
  );
}

const axisStyle = { fontSize: 12, fill: '#5b6577' };

export function BarChartCard({ title, data, xKey, series, stacked, format = { kind: 'number' }, height = 240, everyTick = true }: {
  title: string; data: readonly ChartDatum[]; xKey: string; series: readonly Series[]; stacked?: boolean; format?: ValueFormat; height?: number;
  /** Label every bar (categories); false lets the axis skip labels that would overlap (dates). */
  everyTick?: boolean;
}) {
  const f = useValueFormatter(format);
  return (
    <ChartCard title={title} empty={data.length === 0} height={height}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data as ChartDatum[]} margin={{ top: 8, right: 8, bottom: 0, left: 0 }} accessibilityLayer>
          <CartesianGrid stroke="#e4e8ee" vertical={false} />
          <XAxis dataKey={xKey} tick={axisStyle} tickLine={false} axisLine={{ stroke: '#c9d0da' }} interval={everyTick ? 0 : 'preserveStartEnd'} minTickGap={12} />
          <YAxis tick={axisStyle} tickLine={false} axisLine={false} tickFormatter={f.tick} width={48} allowDecimals={false} />
          <Tooltip formatter={(v) => f.full(Number(v))} cursor={{ fill: 'rgba(31,95,153,0.06)' }} />
          {series.length > 1 && <Legend wrapperStyle={{ fontSize: 12 }} iconType="square" />}
          {series.map((s, i) => (
            <Bar key={s.key} dataKey={s.key} name={s.label} fill={s.colour ?? SERIES_COLOURS[i % SERIES_COLOURS.length]}
              stackId={stacked ? 'stack' : undefined} maxBarSize={36} isAnimationActive={false} />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </ChartCard>
  );
}

export function LineChartCard({ title, data, xKey, series, format = { kind: 'number' }, height = 240 }: {
  title: string; data: readonly ChartDatum[]; xKey: string; series: readonly Series[]; format?: ValueFormat; height?: number;
}) {
  const f = useValueFormatter(format);
  return (
    <ChartCard title={title} empty={data.length === 0} height={height}>
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={data as ChartDatum[]} margin={{ top: 8, right: 12, bottom: 0, left: 0 }} accessibilityLayer>
          <CartesianGrid stroke="#e4e8ee" vertical={false} />
          <XAxis dataKey={xKey} tick={axisStyle} tickLine={false} axisLine={{ stroke: '#c9d0da' }} interval="preserveStartEnd" minTickGap={16} />
          <YAxis tick={axisStyle} tickLine={false} axisLine={false} tickFormatter={f.tick} width={56} />
          <Tooltip formatter={(v) => f.full(Number(v))} />
          {series.length > 1 && <Legend wrapperStyle={{ fontSize: 12 }} iconType="plainline" />}
          {series.map((s, i) => (
            <Line key={s.key} dataKey={s.key} name={s.label} stroke={s.colour ?? SERIES_COLOURS[i % SERIES_COLOURS.length]}
              strokeWidth={2} dot={false} isAnimationActive={false} type="monotone" />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </ChartCard>
  );
}
