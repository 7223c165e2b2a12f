/** The quiz every export format takes, and the text helpers the formats share. */

export interface ExportQuestion {
  id: string;
  prompt: string;
  choices: readonly string[];
  answer_index: number;
  explanation: string;
}

export interface ExportQuiz {
  title: string;
  questions: readonly ExportQuestion[];
}

/** Text as XML character data or attribute value: entities escaped, characters XML 1.0 forbids dropped. */
export function escapeXml(text: string): string {
  return stripInvalidXmlChars(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function stripInvalidXmlChars(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing the control characters XML 1.0 forbids
  return text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '');
}

/** An XML name token from any id: letters, digits, "_", "-", "."; starts with a letter or "_". */
export function xmlIdent(text: string, prefix = 'id'): string {
  const cleaned = text.replace(/[^A-Za-z0-9_.-]/g, '_');
  return /^[A-Za-z_]/.test(cleaned) ? cleaned : `${prefix}_${cleaned}`;
}

/** One line of text: newlines and runs of whitespace become single spaces. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
