import type { SessionInfo } from '@class-assist/contracts';
import type { LiveStatus } from '../api/use-live-updates';
import { LectureUpload } from './LectureUpload';

export function Header({
  session,
  live,
  canUpload = true,
}: {
  session: SessionInfo | null;
  live?: LiveStatus;
  /** The demo page has no server to upload to. */
  canUpload?: boolean;
}) {
  return (
    <header className="page-header">
      <div className="page-header-inner">
        <div className="brand" aria-hidden="true">
          CA
        </div>
        <div className="page-header-text">
          <h1>{session?.courseName || 'Class Assist'}</h1>
          {session && (
            <p className="signed-in">
              Signed in as <strong>{session.userId}</strong> ({session.role})
            </p>
          )}
        </div>
        {live && <LiveBadge status={live} />}
      </div>
      {canUpload && session?.role === 'instructor' && <LectureUpload courseId={session.courseId} />}
    </header>
  );
}

function LiveBadge({ status }: { status: LiveStatus }) {
  const text = status === 'live' ? 'Live' : status === 'connecting' ? 'Connecting…' : 'Reconnecting…';
  return (
    <span className={`live-badge live-badge--${status}`} role="status">
      <span className="live-dot" aria-hidden="true" />
      {text}
    </span>
  );
}
