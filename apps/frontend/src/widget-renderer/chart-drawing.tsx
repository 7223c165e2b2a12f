/** The Recharts drawing of a Chart node (its own chunk: only views with a chart load Recharts). */
import {
  Area,
  Bar,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { ChartSpec } from './chart-data';

type Curve = 'basis' | 'linear' | 'monotone' | 'natural' | 'step';

function curve(value: string | undefined): Curve {
  return value === 'basis' || value === 'linear' || value === 'natural' || value === 'step' ? value : 'monotone';
}

export default function ChartDrawing({ spec }: { spec: ChartSpec }) {
  return (
    <ResponsiveContainer width="100%" height="100%">
      <ComposedChart
        data={spec.data}
        margin={{ top: 8, right: 8, bottom: 0, left: spec.showYAxis ? 0 : 8 }}
        accessibilityLayer={false}
      >
        <CartesianGrid vertical={false} stroke="var(--ck-border-default)" />
        <XAxis
          dataKey={spec.xKey}
          hide={spec.hideX}
          tickLine={false}
          axisLine={{ stroke: 'var(--ck-border-default)' }}
          tick={{ fill: 'var(--ck-text-secondary)', fontSize: 12 }}
          tickFormatter={(value: unknown) => spec.xLabels[String(value)] ?? String(value)}
          interval="preserveStartEnd"
        />
        <YAxis
          hide={!spec.showYAxis}
          width={36}
          tickLine={false}
          axisLine={false}
          tick={{ fill: 'var(--ck-text-secondary)', fontSize: 12 }}
        />
        {spec.showTooltip && <Tooltip cursor={{ fill: 'var(--ck-bg-surface-secondary)' }} isAnimationActive={false} />}
        {spec.showLegend && <Legend wrapperStyle={{ fontSize: 12 }} />}
        {spec.series.map((s) => {
          const common = { dataKey: s.dataKey, name: s.label, stackId: s.stack, isAnimationActive: false };
          if (s.type === 'line')
            return (
              <Line
                key={s.dataKey}
                {...common}
                type={curve(s.curveType)}
                stroke={s.color}
                strokeWidth={2}
                dot={false}
              />
            );
          if (s.type === 'area')
            return (
              <Area
                key={s.dataKey}
                {...common}
                type={curve(s.curveType)}
                stroke={s.color}
                fill={s.color}
                fillOpacity={0.2}
              />
            );
          return <Bar key={s.dataKey} {...common} fill={s.color} radius={[4, 4, 0, 0]} maxBarSize={48} />;
        })}
      </ComposedChart>
    </ResponsiveContainer>
  );
}
