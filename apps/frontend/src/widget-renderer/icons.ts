/** ChatKit icon names → a simple text glyph (decorative; unknown names render nothing). */
const GLYPHS: Record<string, string> = {
  agent: '◎',
  analytics: '▤',
  bolt: 'ϟ',
  'book-open': '❏',
  'book-closed': '❏',
  calendar: '▦',
  chart: '▥',
  check: '✓',
  'check-circle': '✓',
  'check-circle-filled': '✓',
  'chevron-left': '‹',
  'chevron-right': '›',
  'circle-question': '?',
  confetti: '✦',
  document: '▭',
  dot: '•',
  'dots-horizontal': '⋯',
  'dots-vertical': '⋮',
  'empty-circle': '○',
  'external-link': '↗',
  globe: '◍',
  info: 'i',
  lightbulb: '✧',
  mail: '✉',
  notebook: '▤',
  'notebook-pencil': '✎',
  play: '▶',
  plus: '+',
  profile: '◉',
  reload: '↻',
  search: '⌕',
  sparkle: '✦',
  'sparkle-double': '✦',
  star: '☆',
  'star-filled': '★',
  user: '◉',
  write: '✎',
  'write-alt': '✎',
  'write-alt2': '✎',
};

/** Names for icon-only buttons. */
const NAMES: Record<string, string> = {
  'chevron-left': 'Previous',
  'chevron-right': 'Next',
  reload: 'Refresh',
  plus: 'Add',
  search: 'Search',
  'external-link': 'Open',
  'dots-horizontal': 'More',
  'dots-vertical': 'More',
  check: 'Confirm',
  mail: 'Message',
};

export function glyph(name: unknown): string | undefined {
  return typeof name === 'string' ? GLYPHS[name] : undefined;
}

export function iconName(name: unknown): string | undefined {
  return typeof name === 'string' ? NAMES[name] : undefined;
}
