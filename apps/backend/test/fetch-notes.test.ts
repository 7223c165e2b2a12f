/** fetch_notes: one slide's notes, or the whole course's in slide order; it also marks the student active. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSlides, buildTestApp, type TestApp, uniqueId } from './helpers/app.js';

const NOW = new Date('2026-11-25T15:00:00.000Z');

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
  t.clock.set(NOW);
});
afterAll(() => t.close());

async function fetchNotes(body: Record<string, unknown>) {
  const response = await t.call('fetch_notes', body);
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

describe('fetch_notes', () => {
  const course = uniqueId('notes');
  // Twelve slides, so that slide-10..12 would sort before slide-2 if ordered as text; positions are the array order.
  const SLIDES = Array.from({ length: 12 }, (_, i) => ({
    id: `slide-${i + 1}`,
    title: `Heading ${i + 1}`,
    topic: `topic-${i + 1}`,
    notes: `Notes of slide ${i + 1}.\n\n- a point with "quotes" and <markup>`,
  }));

  beforeAll(async () => {
    await addSlides(t.pool, course, SLIDES);
  });

  it("gives one slide's notes", async () => {
    const slide = SLIDES[6];
    if (!slide) throw new Error('fixture');
    expect(await fetchNotes({ user_id: 'reader', course_id: course, slide_id: slide.id })).toStrictEqual({
      notes: [{ slide_id: slide.id, title: slide.title, body: slide.notes }],
    });
  });

  it('gives the whole course in slide order without slide_id', async () => {
    const result = await fetchNotes({ user_id: 'reader', course_id: course });
    expect(result).toStrictEqual({
      notes: SLIDES.map((slide) => ({ slide_id: slide.id, title: slide.title, body: slide.notes })),
    });
  });

  it('orders by position, not by id', async () => {
    const shuffled = uniqueId('order');
    const slides = [
      { id: 'zz-first', title: 'First', notes: 'one' },
      { id: 'aa-second', title: 'Second', notes: 'two' },
      { id: 'mm-third', title: 'Third', notes: 'three' },
    ];
    await addSlides(t.pool, shuffled, slides);
    const result = await fetchNotes({ user_id: 'reader', course_id: shuffled });
    expect(result.notes.map((note: { slide_id: string }) => note.slide_id)).toStrictEqual([
      'zz-first',
      'aa-second',
      'mm-third',
    ]);
  });

  it('answers an unknown slide with an empty list and a message', async () => {
    const result = await fetchNotes({ user_id: 'reader', course_id: course, slide_id: 'slide-99' });
    expect(result.notes).toStrictEqual([]);
    expect(result.message).toEqual(expect.any(String));
    expect(result.message).toContain('slide-99');
  });

  it('answers a course without notes with an empty list and a message', async () => {
    const result = await fetchNotes({ user_id: 'reader', course_id: uniqueId('bare') });
    expect(result.notes).toStrictEqual([]);
    expect(result.message).toEqual(expect.any(String));
    expect(result.message.length).toBeGreaterThan(0);
  });

  it('gives a slide without notes with an empty body and a message', async () => {
    const sparse = uniqueId('sparse');
    await addSlides(t.pool, sparse, [{ id: 'blank', title: 'Blank slide' }]);
    const result = await fetchNotes({ user_id: 'reader', course_id: sparse, slide_id: 'blank' });
    expect(result.notes).toStrictEqual([{ slide_id: 'blank', title: 'Blank slide', body: '' }]);
    expect(result.message).toEqual(expect.any(String));
  });

  it('refuses a call without user_id', async () => {
    const response = await t.call('fetch_notes', { course_id: course });
    expect(response.statusCode).toBe(400);
    expect(response.json().details).toContainEqual({ path: 'user_id', message: 'is required' });
  });
});

describe('fetch_notes marks the student active', () => {
  it('sets enrollments.last_seen_at to the time of the call', async () => {
    const course = uniqueId('active');
    const lastSeen = async (userId: string) => {
      const { rows } = await t.pool.query<{ last_seen_at: Date; role: string }>(
        'SELECT last_seen_at, role FROM enrollments WHERE course_id = $1 AND user_id = $2',
        [course, userId],
      );
      return rows[0];
    };
    expect(await lastSeen('student-a')).toBeUndefined();

    await fetchNotes({ user_id: 'student-a', course_id: course });
    expect(await lastSeen('student-a')).toStrictEqual({ last_seen_at: NOW, role: 'student' });

    const later = new Date(NOW.getTime() + 90_000);
    t.clock.set(later);
    try {
      await fetchNotes({ user_id: 'student-a', course_id: course, slide_id: 'nothing-here' });
      expect((await lastSeen('student-a'))?.last_seen_at).toStrictEqual(later);

      // The reader counts among the active students when someone else is confused: 1 confused of 2 active.
      const ping = await t.call('track_confusion', { user_id: 'student-b', course_id: course, slide_id: 's1' });
      expect(ping.statusCode).toBe(200);
      expect(ping.json()).toMatchObject({ confused_students: 1, active_students: 2, current_percentage: 50 });
    } finally {
      t.clock.set(NOW);
    }
  });

  it('stops counting the reader once the active window has passed', async () => {
    const course = uniqueId('idle');
    await fetchNotes({ user_id: 'reader', course_id: course });
    t.clock.set(new Date(NOW.getTime() + (t.config.classroom.activeWindowSeconds + 1) * 1000));
    try {
      const ping = await t.call('track_confusion', { user_id: 'pinger', course_id: course, slide_id: 's1' });
      expect(ping.json()).toMatchObject({ confused_students: 1, active_students: 1, current_percentage: 100 });
    } finally {
      t.clock.set(NOW);
    }
  });
});
