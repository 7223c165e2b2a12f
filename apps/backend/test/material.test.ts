/**
 * Course material import (POST /api/admin/courses/{courseId}/material, `npm run material`) and retrieval over it
 * (searchSlides, confusionZones).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenService } from '../src/auth/tokens.js';
import { inCourse } from '../src/db/course-scope.js';
import { confusionZones, searchSlides } from '../src/domain/retrieval.repository.js';
import { buildTestApp, TEST_SECRET, type TestApp, uniqueId } from './helpers/app.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const LECTURE = `# Thermodynamics 101

Some preamble that belongs to no slide.

## Energy and work
Topic: Energy
Energy is conserved.

A second paragraph.

## Entropy
Topic: Entropy
Entropy never decreases in an isolated system.

## Heat engines
Carnot cycle efficiency.
`;

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(() => t.close());

function upload(courseId: string, body: string | Buffer, headers: Record<string, string> = {}) {
  return t.app.inject({
    method: 'POST',
    url: `/api/admin/courses/${encodeURIComponent(courseId)}/material`,
    headers: { authorization: `Bearer ${TEST_SECRET}`, 'content-type': 'text/markdown', ...headers },
    payload: body,
  });
}

async function sessionToken(courseId: string, role: 'student' | 'instructor', userId = uniqueId('u')) {
  const tokens = createTokenService(t.config.sessionSecret);
  return (await tokens.issue('session', { userId, courseId, courseName: courseId, role })).token;
}

async function slides(courseId: string) {
  const { rows } = await t.pool.query(
    'SELECT id, position, title, topic, notes, from_material FROM slides WHERE course_id = $1 ORDER BY from_material DESC, position, id',
    [courseId],
  );
  return rows;
}

async function confusion(courseId: string, userId: string, slideId: string, at: string) {
  await t.pool.query('INSERT INTO users (id) VALUES ($1) ON CONFLICT DO NOTHING', [userId]);
  await t.pool.query(
    'INSERT INTO confusion_events (course_id, user_id, slide_id, occurred_at) VALUES ($1, $2, $3, $4)',
    [courseId, userId, slideId, at],
  );
}

async function threePagePdf(): Promise<Buffer> {
  const doc = await PDFDocument.create();
  doc.setTitle('Optics');
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const pages = [
    ['Reflection', 'Topic: Mirrors', 'Angle of incidence equals angle of reflection.'],
    ['Refraction', "Snell's law relates the angles.", 'Light bends at an interface.'],
    ['Lenses', 'Focal length and magnification.'],
  ];
  for (const lines of pages) {
    const page = doc.addPage([500, 400]);
    lines.forEach((line, index) => {
      page.drawText(line, { x: 30, y: 350 - index * 30, size: index === 0 ? 20 : 12, font });
    });
  }
  return Buffer.from(await doc.save());
}

describe('Markdown import', () => {
  it('creates slide-<n> slides with titles, topics and notes and names the course after the lecture', async () => {
    const courseId = uniqueId('course');
    const response = await upload(courseId, LECTURE);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ course_id: courseId, title: 'Thermodynamics 101', slides: 3, removed: [] });
    expect(await slides(courseId)).toEqual([
      {
        id: 'slide-1',
        position: 1,
        title: 'Energy and work',
        topic: 'Energy',
        notes: 'Energy is conserved.\n\nA second paragraph.',
        from_material: true,
      },
      {
        id: 'slide-2',
        position: 2,
        title: 'Entropy',
        topic: 'Entropy',
        notes: 'Entropy never decreases in an isolated system.',
        from_material: true,
      },
      {
        id: 'slide-3',
        position: 3,
        title: 'Heat engines',
        topic: null,
        notes: 'Carnot cycle efficiency.',
        from_material: true,
      },
    ]);
    const { rows } = await t.pool.query('SELECT name FROM courses WHERE id = $1', [courseId]);
    expect(rows[0].name).toBe('Thermodynamics 101');
  });

  it('accepts an instructor session of the course (bearer session token or cookie) and keeps the name without a title', async () => {
    const courseId = uniqueId('course');
    await t.pool.query('INSERT INTO courses (id, name) VALUES ($1, $2)', [courseId, 'Physics']);
    const token = await sessionToken(courseId, 'instructor');
    const viaBearer = await upload(courseId, '## Only slide\nnotes', { authorization: `Bearer ${token}` });
    expect(viaBearer.statusCode, viaBearer.body).toBe(200);
    expect(viaBearer.json()).toMatchObject({ title: '', slides: 1 });
    const viaCookie = await upload(courseId, '## Only slide\nnotes', {
      authorization: '',
      cookie: `class_assist_session=${token}`,
    });
    expect(viaCookie.statusCode, viaCookie.body).toBe(200);
    const { rows } = await t.pool.query('SELECT name FROM courses WHERE id = $1', [courseId]);
    expect(rows[0].name).toBe('Physics');
  });

  it('re-importing replaces the material, keeps the confusion history of unchanged ids and ping slides', async () => {
    const courseId = uniqueId('course');
    expect((await upload(courseId, LECTURE)).statusCode).toBe(200);
    await confusion(courseId, 'student-a', 'slide-1', '2025-03-01T10:00:00Z');
    await confusion(courseId, 'student-a', 'slide-3', '2025-03-01T10:05:00Z');
    // A slide first seen in a ping stays.
    await t.pool.query(`INSERT INTO slides (course_id, id, position) VALUES ($1, 'whiteboard', 99)`, [courseId]);
    await t.pool.query(`UPDATE courses SET current_slide_id = 'slide-3' WHERE id = $1`, [courseId]);

    const response = await upload(
      courseId,
      '# Thermo, revised\n## Energy, revised\nTopic: Energy\nNew notes.\n## Entropy\n',
    );
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ course_id: courseId, title: 'Thermo, revised', slides: 2, removed: ['slide-3'] });
    expect((await slides(courseId)).map((s) => [s.id, s.title, s.from_material])).toEqual([
      ['slide-1', 'Energy, revised', true],
      ['slide-2', 'Entropy', true],
      ['whiteboard', '', false],
    ]);
    const { rows: events } = await t.pool.query(
      'SELECT slide_id FROM confusion_events WHERE course_id = $1 ORDER BY slide_id',
      [courseId],
    );
    expect(events.map((e) => e.slide_id)).toEqual(['slide-1', 'slide-3']);
    const { rows: course } = await t.pool.query('SELECT current_slide_id FROM courses WHERE id = $1', [courseId]);
    expect(course[0].current_slide_id).toBeNull();
  });

  it('shows a removed slide that has confusion on the heatmap after the material, labelled by its id', async () => {
    const courseId = uniqueId('course');
    expect((await upload(courseId, LECTURE)).statusCode).toBe(200);
    const ping = await t.call('track_confusion', {
      user_id: uniqueId('student'),
      course_id: courseId,
      slide_id: 'slide-3',
      timestamp: t.clock().toISOString(),
    });
    expect(ping.statusCode, ping.body).toBe(200);
    expect((await upload(courseId, '## One\n## Two\n')).json().removed).toEqual(['slide-3']);
    const heatmap = await t.call('get_confusion_heatmap', { course_id: courseId, time_range: 'last_hour' });
    expect(heatmap.statusCode, heatmap.body).toBe(200);
    expect(
      heatmap
        .json()
        .chartData.map((p: { label: string; slide_id: string; confused_students: number }) => [
          p.label,
          p.slide_id,
          p.confused_students,
        ]),
    ).toEqual([
      ['Slide 1', 'slide-1', 0],
      ['Slide 2', 'slide-2', 0],
      ['slide-3', 'slide-3', 1],
    ]);
  });
});

describe('PDF import', () => {
  it('makes one slide per page: first line the title, the rest the notes', async () => {
    const courseId = uniqueId('course');
    const response = await upload(courseId, await threePagePdf(), { 'content-type': 'application/pdf' });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ course_id: courseId, title: 'Optics', slides: 3, removed: [] });
    expect(await slides(courseId)).toEqual([
      {
        id: 'slide-1',
        position: 1,
        title: 'Reflection',
        topic: 'Mirrors',
        notes: 'Angle of incidence equals angle of reflection.',
        from_material: true,
      },
      {
        id: 'slide-2',
        position: 2,
        title: 'Refraction',
        topic: null,
        notes: "Snell's law relates the angles.\nLight bends at an interface.",
        from_material: true,
      },
      {
        id: 'slide-3',
        position: 3,
        title: 'Lenses',
        topic: null,
        notes: 'Focal length and magnification.',
        from_material: true,
      },
    ]);
  });
});

describe('refusals', () => {
  const cases: Array<
    [string, () => Promise<{ statusCode: number; json(): { error: string; message: string } }>, number, string]
  > = [
    ['an empty file', () => upload(uniqueId('c'), ''), 400, 'validation_failed'],
    ['a blank Markdown file', () => upload(uniqueId('c'), '  \n\n'), 400, 'validation_failed'],
    ['Markdown without slides', () => upload(uniqueId('c'), '# Title\nJust text'), 400, 'validation_failed'],
    [
      'a non-PDF sent as application/pdf',
      () => upload(uniqueId('c'), 'hello, not a pdf', { 'content-type': 'application/pdf' }),
      400,
      'validation_failed',
    ],
    [
      'a damaged PDF',
      () => upload(uniqueId('c'), Buffer.from('%PDF-1.7\n garbage'), { 'content-type': 'application/pdf' }),
      400,
      'validation_failed',
    ],
    [
      'an empty PDF body',
      () => upload(uniqueId('c'), Buffer.alloc(0), { 'content-type': 'application/pdf' }),
      400,
      'validation_failed',
    ],
    [
      'a wrong content type',
      () => upload(uniqueId('c'), '{"a":1}', { 'content-type': 'application/json' }),
      415,
      'unsupported_media_type',
    ],
    ['too large', () => upload(uniqueId('c'), `## Big\n${'x'.repeat(10 * 1024 * 1024)}`), 413, 'payload_too_large'],
    ['no auth', () => upload(uniqueId('c'), LECTURE, { authorization: '' }), 401, 'unauthorized'],
    ['a wrong bearer', () => upload(uniqueId('c'), LECTURE, { authorization: 'Bearer nope' }), 401, 'unauthorized'],
  ];
  for (const [what, send, status, code] of cases) {
    it(`refuses ${what} with ${status}`, async () => {
      const response = await send();
      expect(response.statusCode).toBe(status);
      expect(response.json().error).toBe(code);
      expect(response.json().message.length).toBeGreaterThan(10);
    });
  }

  it('says what is wrong', async () => {
    expect((await upload(uniqueId('c'), '')).json().message).toMatch(/empty/);
    expect((await upload(uniqueId('c'), '# T\ntext')).json().message).toMatch(/no slides/);
    const notPdf = await upload(uniqueId('c'), 'hello', { 'content-type': 'application/pdf' });
    expect(notPdf.json().message).toMatch(/not a PDF/);
    const big = await upload(uniqueId('c'), 'x'.repeat(10 * 1024 * 1024 + 1));
    expect(big.json().message).toMatch(/10 MiB/);
    const wrong = await upload(uniqueId('c'), 'x', { 'content-type': 'text/plain' });
    expect(wrong.json().message).toMatch(/text\/markdown.*application\/pdf/);
  });

  it('refuses a student session (403) and another course\u2019s instructor (404), importing nothing', async () => {
    const courseId = uniqueId('course');
    await t.pool.query('INSERT INTO courses (id, name) VALUES ($1, $1)', [courseId]);
    const student = await upload(courseId, LECTURE, {
      authorization: `Bearer ${await sessionToken(courseId, 'student')}`,
    });
    expect(student.statusCode).toBe(403);
    expect(student.json().error).toBe('forbidden');
    const other = await upload(courseId, LECTURE, {
      authorization: `Bearer ${await sessionToken(uniqueId('other'), 'instructor')}`,
    });
    expect(other.statusCode).toBe(404);
    expect(other.json().error).toBe('not_found');
    expect(await slides(courseId)).toEqual([]);
  });
});

describe('npm run material', () => {
  it('imports a file into a course of the database it is pointed at', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'material-'));
    const file = path.join(dir, 'lecture.md');
    writeFileSync(file, LECTURE);
    const courseId = uniqueId('cli');
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !/^(DATABASE_URL|DATA_DIR|NODE_ENV)$/.test(key)),
    );
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/material.ts', courseId, file], {
      cwd: ROOT,
      env: { ...inherited, DATABASE_URL: t.databaseUrl, DATA_DIR: dir, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.stderr.on('data', (chunk) => {
      err += chunk;
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code, err).toBe(0);
    expect(out).toContain(`imported 3 slides into ${courseId}`);
    expect((await slides(courseId)).map((s) => s.title)).toEqual(['Energy and work', 'Entropy', 'Heat engines']);
  }, 60_000);
});

describe('searchSlides', () => {
  it('ranks title over topic over notes matches, slide order breaking ties, within one course', async () => {
    const courseId = uniqueId('course');
    const other = uniqueId('course');
    const md = `# Search
## Intro
Nothing here.
## Review
Topic: Entropy
A recap.
## Entropy explained
What it means.
## Heat
Entropy appears in the notes only.
## Engines
Entropy appears in the notes only.
`;
    expect((await upload(courseId, md)).statusCode).toBe(200);
    expect((await upload(other, '## Entropy\nOther course.')).statusCode).toBe(200);
    const hits = await inCourse(t.db, courseId, (tx) => searchSlides(tx, courseId, 'entropy', 10));
    expect(hits.map((h) => h.id)).toEqual(['slide-3', 'slide-2', 'slide-4', 'slide-5']);
    expect(hits[0]).toMatchObject({ title: 'Entropy explained', notes: 'What it means.' });
    expect(hits[0]?.rank).toBeGreaterThan(hits[1]?.rank ?? 0);
    expect(hits[2]?.rank).toBe(hits[3]?.rank);
    const limited = await inCourse(t.db, courseId, (tx) => searchSlides(tx, courseId, 'entropies', 1));
    expect(limited.map((h) => h.id)).toEqual(['slide-3']);
    expect(await inCourse(t.db, courseId, (tx) => searchSlides(tx, courseId, 'carnot', 5))).toEqual([]);
    expect(await inCourse(t.db, courseId, (tx) => searchSlides(tx, courseId, '  ', 5))).toEqual([]);
    const phrase = await inCourse(t.db, courseId, (tx) => searchSlides(tx, courseId, '"notes only" -heat', 5));
    expect(phrase.map((h) => h.id)).toEqual(['slide-5']);
  });
});

describe('confusionZones', () => {
  it('orders by the day of the latest confusion, then how often, then how recently', async () => {
    const courseId = uniqueId('course');
    const md = `## A
Topic: Kinematics
## B
Topic: Kinematics
## C
Topic: Forces
## D
`;
    expect((await upload(courseId, md)).statusCode).toBe(200);
    const me = uniqueId('student');
    // Yesterday: slide-4 three times.
    for (const at of ['2025-03-01T09:00:00Z', '2025-03-01T09:01:00Z', '2025-03-01T09:02:00Z']) {
      await confusion(courseId, me, 'slide-4', at);
    }
    // Today: slide-1 once (latest), slide-3 twice (earlier today), slide-2 once (earliest today).
    await confusion(courseId, me, 'slide-2', '2025-03-02T08:00:00Z');
    await confusion(courseId, me, 'slide-3', '2025-03-02T09:00:00Z');
    await confusion(courseId, me, 'slide-3', '2025-03-02T09:30:00Z');
    await confusion(courseId, me, 'slide-1', '2025-03-02T11:00:00Z');
    // Someone else's confusion does not count.
    await confusion(courseId, 'someone-else', 'slide-4', '2025-03-02T12:00:00Z');

    const zones = await inCourse(t.db, courseId, (tx) => confusionZones(tx, courseId, me, 10));
    expect(zones.slides.map((s) => [s.slide_id, s.confused_count])).toEqual([
      ['slide-3', 2],
      ['slide-1', 1],
      ['slide-2', 1],
      ['slide-4', 3],
    ]);
    expect(zones.slides[0]).toMatchObject({ title: 'C', topic: 'Forces' });
    expect(zones.slides[0]?.last_confused_at).toEqual(new Date('2025-03-02T09:30:00Z'));
    expect(zones.topics).toEqual([
      {
        topic: 'Kinematics',
        slide_ids: ['slide-1', 'slide-2'],
        confused_count: 2,
        last_confused_at: new Date('2025-03-02T11:00:00Z'),
      },
      {
        topic: 'Forces',
        slide_ids: ['slide-3'],
        confused_count: 2,
        last_confused_at: new Date('2025-03-02T09:30:00Z'),
      },
    ]);
    const limited = await inCourse(t.db, courseId, (tx) => confusionZones(tx, courseId, me, 1));
    expect(limited.slides.map((s) => s.slide_id)).toEqual(['slide-3']);
    expect(limited.topics.map((s) => s.topic)).toEqual(['Kinematics']);

    // A slide removed by a re-import keeps its history, without a title.
    expect((await upload(courseId, '## A\nTopic: Kinematics\n## B\n## C\n')).json().removed).toEqual(['slide-4']);
    const after = await inCourse(t.db, courseId, (tx) => confusionZones(tx, courseId, me, 10));
    expect(after.slides.at(-1)).toMatchObject({ slide_id: 'slide-4', title: null, topic: null, confused_count: 3 });
  });
});
