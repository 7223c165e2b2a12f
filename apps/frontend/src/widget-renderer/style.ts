/**
 * ChatKit layout and color props → CSS. Spacing (gap, padding, margin) counts 4 px units when numeric; sizes
 * (width, height, size…) are pixels when numeric; strings pass through. Colors are token names ("secondary",
 * "danger", "blue-500", "surface") or CSS colors.
 */
import type { CSSProperties } from 'react';
import type { WidgetNode } from '../chatkit/types';
import { num, str } from './props';

type Theme = 'light' | 'dark';

export function space(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return `${value * 4}px`;
  return cssLength(value);
}

export function dimension(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return `${value}px`;
  return cssLength(value);
}

function cssLength(value: unknown): string | undefined {
  if (typeof value !== 'string' || !value) return undefined;
  return /^-?\d+(\.\d+)?$/.test(value) ? `${value}px` : value;
}

/** padding / margin: a number, a string, or `{top, right, bottom, left, x, y}`. */
export function sides(value: unknown, prefix: 'padding' | 'margin'): CSSProperties {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object') {
    const v = space(value);
    return v ? { [prefix]: v } : {};
  }
  const s = value as Record<string, unknown>;
  const side = (name: string, axis: string) => space(s[name] ?? s[axis]);
  const out: Record<string, string> = {};
  const entries: Array<[string, string | undefined]> = [
    ['Top', side('top', 'y')],
    ['Right', side('right', 'x')],
    ['Bottom', side('bottom', 'y')],
    ['Left', side('left', 'x')],
  ];
  for (const [name, v] of entries) if (v) out[`${prefix}${name}`] = v;
  return out;
}

const RADIUS: Record<string, string> = {
  none: '0',
  '2xs': '2px',
  xs: '4px',
  sm: '6px',
  md: '8px',
  lg: '12px',
  xl: '16px',
  '2xl': '20px',
  '3xl': '24px',
  '4xl': '32px',
  full: '9999px',
  '100%': '100%',
};

export function radius(value: unknown): string | undefined {
  const v = str(value);
  return v === undefined ? undefined : (RADIUS[v] ?? dimension(value));
}

/** Hues of the `name-shade` palette ("blue-500"); shades 50…950 map to lightness. */
const HUES: Record<string, [hue: number, saturation: number]> = {
  red: [0, 72],
  orange: [25, 90],
  amber: [38, 92],
  yellow: [48, 90],
  lime: [85, 70],
  green: [142, 60],
  emerald: [155, 65],
  teal: [173, 70],
  cyan: [190, 80],
  sky: [200, 85],
  blue: [217, 85],
  indigo: [239, 70],
  violet: [258, 80],
  purple: [271, 75],
  fuchsia: [292, 75],
  pink: [330, 75],
  rose: [350, 80],
  gray: [220, 10],
  slate: [215, 20],
  zinc: [240, 5],
  neutral: [0, 0],
  stone: [25, 6],
};
const LIGHTNESS: Record<string, number> = {
  50: 97,
  100: 94,
  200: 86,
  300: 76,
  400: 64,
  500: 53,
  600: 45,
  700: 37,
  800: 29,
  900: 22,
  950: 14,
};

export type ColorRole = 'text' | 'bg' | 'border';

/** A color prop → CSS: tokens become variables (falling back to the raw string), `hue-shade` a palette color. */
export function color(value: unknown, role: ColorRole, theme: Theme = 'light'): string | undefined {
  if (typeof value === 'object' && value !== null) {
    const themed = value as Record<string, unknown>;
    return color(themed[theme] ?? themed.light, role, theme);
  }
  const v = str(value);
  if (!v) return undefined;
  if (/^(#|rgb|hsl|oklch|oklab|lab|lch|color|var)\b/i.test(v) || /^(white|black|transparent|currentcolor)$/i.test(v)) {
    return v;
  }
  const palette = /^([a-z]+)-(\d{2,3})(?:-(\d{1,3}))?$/.exec(v);
  const hue = palette?.[1] ? HUES[palette[1]] : undefined;
  const lightness = palette?.[2] ? LIGHTNESS[palette[2]] : undefined;
  if (hue && lightness !== undefined) {
    const alpha = palette?.[3] ? ` / ${Number(palette[3])}%` : '';
    return `hsl(${hue[0]} ${hue[1]}% ${lightness}%${alpha})`;
  }
  const token = v.replace(/[^a-z0-9-]/gi, '');
  return `var(--ck-${role}-${token}, var(--ck-${token}, ${token}))`;
}

function border(value: unknown, theme: Theme): string | undefined {
  if (typeof value === 'number') return `${value}px solid var(--ck-border-default)`;
  if (typeof value !== 'object' || value === null) return undefined;
  const b = value as Record<string, unknown>;
  const size = num(b.size);
  if (size === undefined) return undefined;
  return `${size}px ${str(b.style) ?? 'solid'} ${color(b.color, 'border', theme) ?? 'var(--ck-border-default)'}`;
}

function borders(value: unknown, theme: Theme): CSSProperties {
  if (value === undefined || value === null) return {};
  const whole = border(value, theme);
  if (whole) return { border: whole };
  if (typeof value !== 'object') return {};
  const b = value as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (const [side, axis] of [
    ['Top', 'y'],
    ['Right', 'x'],
    ['Bottom', 'y'],
    ['Left', 'x'],
  ] as const) {
    const v = border(b[side.toLowerCase()] ?? b[axis], theme);
    if (v) out[`border${side}`] = v;
  }
  return out;
}

const ALIGN: Record<string, string> = {
  start: 'flex-start',
  center: 'center',
  end: 'flex-end',
  baseline: 'baseline',
  stretch: 'stretch',
};
const JUSTIFY: Record<string, string> = {
  start: 'flex-start',
  center: 'center',
  end: 'flex-end',
  between: 'space-between',
  around: 'space-around',
  evenly: 'space-evenly',
  stretch: 'stretch',
};

/** width, height, size, min/max, aspectRatio, radius, margin (Image, Box…). */
export function blockStyle(node: WidgetNode): CSSProperties {
  const size = dimension(node.size);
  const minSize = dimension(node.minSize);
  const maxSize = dimension(node.maxSize);
  const style: CSSProperties = {
    width: dimension(node.width) ?? size,
    height: dimension(node.height) ?? size,
    minWidth: dimension(node.minWidth) ?? minSize,
    minHeight: dimension(node.minHeight) ?? minSize,
    maxWidth: dimension(node.maxWidth) ?? maxSize,
    maxHeight: dimension(node.maxHeight) ?? maxSize,
    aspectRatio: str(node.aspectRatio),
    borderRadius: radius(node.radius),
    ...sides(node.margin, 'margin'),
  };
  return clean(style);
}

/** Box, Row, Col, Form, ListViewItem: a flex container. */
export function boxStyle(node: WidgetNode, direction: 'row' | 'column', theme: Theme): CSSProperties {
  const flex = node.flex;
  return clean({
    flexDirection: direction,
    alignItems: ALIGN[str(node.align) ?? ''],
    justifyContent: JUSTIFY[str(node.justify) ?? ''],
    flexWrap: str(node.wrap) as CSSProperties['flexWrap'],
    flex: typeof flex === 'number' ? `${flex} ${flex} 0%` : str(flex),
    gap: space(node.gap),
    background: color(node.background, 'bg', theme),
    ...sides(node.padding, 'padding'),
    ...borders(node.border, theme),
    ...blockStyle(node),
  });
}

export function clean(style: CSSProperties): CSSProperties {
  return Object.fromEntries(Object.entries(style).filter(([, v]) => v !== undefined && v !== '')) as CSSProperties;
}

export function textAlign(value: unknown): CSSProperties['textAlign'] {
  const v = str(value);
  return v === 'start' || v === 'center' || v === 'end' ? v : undefined;
}
