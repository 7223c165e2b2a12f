/** What `npm start` prints once the server listens: where everything is, and the secret to call it with. */
import type { Config } from './config.js';
import type { EmbeddedPostgres } from './db/embedded-postgres.js';

export function printBanner(config: Config, embedded: EmbeddedPostgres | undefined, startMs: number): void {
  const url = config.publicUrl;
  const database = embedded
    ? `embedded PostgreSQL ${embedded.version} in ${embedded.clusterDir} (127.0.0.1:${embedded.port})`
    : `DATABASE_URL (${redactUrl(config.databaseUrl)})`;
  const lines = [
    '',
    `Class Assist is ready on ${url} (${(startMs / 1000).toFixed(1)} s)`,
    '',
    `  App              ${url}/`,
    `  Database         ${database}`,
    `  API docs         ${url}/docs`,
    `  Functions        ${url}/api/agentkit/functions`,
    `  MCP server       ${url}/mcp`,
    `  Health           ${url}/healthz   ${url}/readyz`,
    '',
  ];
  if (config.nodeEnv !== 'production') {
    const course = `courseId=demo&courseName=${encodeURIComponent('Introduction to Machine Learning')}`;
    lines.push(
      '  Dev launch (open each in its own browser profile or private window):',
      `    Student 1      ${url}/dev/launch?role=Learner&userId=demo-student-1&${course}`,
      `    Student 2      ${url}/dev/launch?role=Learner&userId=demo-student-2&${course}`,
      `    Instructor     ${url}/dev/launch?role=Instructor&userId=demo-instructor&${course}`,
      '',
    );
    lines.push(
      `  AgentKit secret  ${config.agentkitSecret}`,
      `                   (generated for development and kept in ${config.dataDir}/secrets.json;`,
      '                    send it as "Authorization: Bearer <secret>" to /api/agentkit/* and /mcp)',
      '',
      '  Try it:',
      `    curl -X POST ${url}/api/agentkit/track_confusion \\`,
      `      -H "Authorization: Bearer ${config.agentkitSecret}" \\`,
      '      -H "Content-Type: application/json" \\',
      `      -d '{"user_id": "test_user", "course_id": "demo", "slide_id": "slide-1"}'`,
      '',
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

function redactUrl(value: string): string {
  try {
    const parsed = new URL(value);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'set';
  }
}
