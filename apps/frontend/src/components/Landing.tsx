/** Shown without a session (GET /api/session answered 401): Class Assist opens from the LMS. */

const DEMO_COURSE = 'courseId=demo&courseName=Introduction%20to%20Machine%20Learning';
const DEV_LAUNCHES = [
  { label: 'Student 1', href: `/dev/launch?role=Learner&userId=demo-student-1&${DEMO_COURSE}` },
  { label: 'Student 2', href: `/dev/launch?role=Learner&userId=demo-student-2&${DEMO_COURSE}` },
  { label: 'Instructor', href: `/dev/launch?role=Instructor&userId=demo-instructor&${DEMO_COURSE}` },
];

function isDevelopment(): boolean {
  return import.meta.env.DEV || ['localhost', '127.0.0.1', '[::1]'].includes(window.location.hostname);
}

export function Landing() {
  return (
    <main className="landing" id="main">
      <div className="landing-card">
        <div className="brand brand--large" aria-hidden="true">
          CA
        </div>
        <h1>Class Assist</h1>
        <p className="landing-lead">
          Tell your instructor when a slide is confusing, ask questions during the lecture and get study help aimed at
          what confused you. Instructors see a live confusion heatmap and can step in.
        </p>
        <h2>Open it from your course</h2>
        <p>
          Class Assist opens from your learning management system (Canvas, Moodle or any LTI 1.3 platform). Go to your
          course and choose <strong>Class Assist</strong> there; you will be signed in automatically.
        </p>
        {isDevelopment() && (
          <section className="dev-launch" aria-labelledby="dev-launch-title">
            <h2 id="dev-launch-title">Development</h2>
            <p>Sign in to the demo course, Introduction to Machine Learning, as:</p>
            <ul>
              {DEV_LAUNCHES.map((launch) => (
                <li key={launch.label}>
                  <a className="ck-btn ck-btn--outline" data-color="primary" href={launch.href}>
                    {launch.label}
                  </a>
                </li>
              ))}
            </ul>
            <p className="hint">
              Or see the widget without a server: <a href="?demo">widget demo</a>.
            </p>
          </section>
        )}
      </div>
    </main>
  );
}
