/**
 * Parses a lecture written in Markdown: the level-1 heading is the lecture title; each level-2 heading starts a slide
 * (`slide-<n>` by position, the heading its title); a `Topic: …` line sets the slide's topic; the rest is its notes.
 */

export interface LectureSlide {
  id: string;
  position: number;
  title: string;
  topic: string | null;
  notes: string;
}

export interface Lecture {
  title: string;
  slides: LectureSlide[];
}

export function parseLectureMarkdown(markdown: string): Lecture {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  let title = '';
  const slides: LectureSlide[] = [];
  let current: { title: string; topic: string | null; body: string[] } | undefined;
  const flush = () => {
    if (!current) return;
    slides.push({
      id: `slide-${slides.length + 1}`,
      position: slides.length + 1,
      title: current.title,
      topic: current.topic,
      notes: current.body.join('\n').trim(),
    });
  };
  for (const line of lines) {
    const h1 = /^#\s+(.+?)\s*#*\s*$/.exec(line);
    const h2 = /^##\s+(.+?)\s*#*\s*$/.exec(line);
    if (h2) {
      flush();
      current = { title: h2[1] ?? '', topic: null, body: [] };
    } else if (h1 && !current && !title) {
      title = h1[1] ?? '';
    } else if (current) {
      const topic = /^topic:\s*(.+?)\s*$/i.exec(line);
      if (topic && current.topic === null && current.body.join('').trim() === '') current.topic = topic[1] ?? null;
      else current.body.push(line);
    }
  }
  flush();
  return { title, slides };
}
