/** Notices and errors from the stream: warnings and errors interrupt (`role="alert"`), info waits its turn. */
import type { ThreadAlert } from '../chatkit/thread-model';

export function Alerts({ alerts, onDismiss }: { alerts: ThreadAlert[]; onDismiss: (id: number) => void }) {
  return (
    <div className="alerts" aria-live="polite">
      {alerts.map((alert) => (
        <div
          key={alert.id}
          className={`alert alert--${alert.level}`}
          role={alert.level === 'info' ? 'status' : 'alert'}
        >
          <div className="alert-text">
            {alert.title && <strong>{alert.title} </strong>}
            {alert.message}
          </div>
          <button type="button" className="alert-dismiss" aria-label="Dismiss" onClick={() => onDismiss(alert.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
