/** Text made inert in HTML text and attribute values (`& < > " '` as numeric character references). */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
