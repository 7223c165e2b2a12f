/** Reading a Chart node's props: series, the x axis, and a color per series. */
import type { WidgetNode } from '../chatkit/types';
import { str } from './props';
import { color } from './style';

export interface Series {
  type: 'bar' | 'line' | 'area';
  dataKey: string;
  label: string;
  color: string;
  stack?: string;
  curveType?: string;
}

export interface ChartSpec {
  data: Array<Record<string, unknown>>;
  series: Series[];
  xKey: string | undefined;
  hideX: boolean;
  xLabels: Record<string, string>;
  showYAxis: boolean;
  showLegend: boolean;
  showTooltip: boolean;
  height: number;
}

const PALETTE = ['blue-500', 'orange-500', 'emerald-500', 'purple-500', 'rose-500', 'teal-500'];

export function chartSpec(node: WidgetNode, theme: 'light' | 'dark'): ChartSpec {
  const data = Array.isArray(node.data)
    ? (node.data.filter((row) => typeof row === 'object' && row !== null) as Array<Record<string, unknown>>)
    : [];
  const rawSeries = Array.isArray(node.series) ? (node.series as Array<Record<string, unknown>>) : [];
  const series = rawSeries.flatMap((s, index): Series[] => {
    const dataKey = str(s?.dataKey);
    if (!dataKey) return [];
    const type = s.type === 'line' || s.type === 'area' ? s.type : 'bar';
    return [
      {
        type,
        dataKey,
        label: str(s.label) ?? dataKey,
        color: color(s.color ?? PALETTE[index % PALETTE.length], 'bg', theme) ?? 'currentColor',
        stack: str(s.stack),
        curveType: str(s.curveType),
      },
    ];
  });
  const xAxis = node.xAxis;
  const axis = typeof xAxis === 'object' && xAxis !== null ? (xAxis as Record<string, unknown>) : undefined;
  const labels =
    typeof axis?.labels === 'object' && axis.labels !== null ? (axis.labels as Record<string, unknown>) : {};
  return {
    data,
    series,
    xKey: str(axis ? axis.dataKey : xAxis),
    hideX: axis?.hide === true,
    xLabels: Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, str(v) ?? k])),
    showYAxis: node.showYAxis === true,
    showLegend: node.showLegend === true,
    showTooltip: node.showTooltip !== false,
    height: typeof node.height === 'number' ? node.height : 200,
  };
}

export function xLabel(spec: ChartSpec, row: Record<string, unknown>): string {
  const raw = spec.xKey ? str(row[spec.xKey]) : undefined;
  return raw === undefined ? '' : (spec.xLabels[raw] ?? raw);
}
