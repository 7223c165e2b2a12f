/**
 * Chart: Recharts (loaded on first use) draws it for sighted users; a visually hidden table carries the same data
 * for screen readers, and the drawing is hidden from them.
 */
import { lazy, Suspense, useMemo } from 'react';
import { chartSpec, xLabel } from './chart-data';
import { str } from './props';
import type { NodeProps } from './render-node';
import { useRuntime } from './runtime';

const ChartDrawing = lazy(() => import('./chart-drawing'));

export function ChartNode({ node }: NodeProps) {
  const { theme } = useRuntime();
  const spec = useMemo(() => chartSpec(node, theme), [node, theme]);
  const title = str(node.ariaLabel) ?? `Chart of ${spec.series.map((s) => s.label).join(', ') || 'data'}`;
  return (
    <figure className="ck-chart">
      <div className="ck-chart-drawing" aria-hidden="true" style={{ height: spec.height }}>
        <Suspense fallback={<div className="ck-chart-loading">Loading chart…</div>}>
          <ChartDrawing spec={spec} />
        </Suspense>
      </div>
      <table className="visually-hidden">
        <caption>{title}</caption>
        <thead>
          <tr>
            <th scope="col">{spec.xKey === 'label' || !spec.xKey ? 'Item' : spec.xKey}</th>
            {spec.series.map((s) => (
              <th scope="col" key={s.dataKey}>
                {s.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {spec.data.map((row, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity beyond their position
            <tr key={index}>
              <th scope="row">{xLabel(spec, row) || String(index + 1)}</th>
              {spec.series.map((s) => (
                <td key={s.dataKey}>{str(row[s.dataKey]) ?? ''}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
