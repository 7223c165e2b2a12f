/** Loading and error states of the page. */
import { Spinner } from '../widget-renderer/controls';

export function Loading({ label }: { label: string }) {
  return (
    <div className="loading" role="status" aria-live="polite">
      <Spinner />
      <span>{label}</span>
    </div>
  );
}

export function ErrorPanel({
  title,
  message,
  onRetry,
  retryLabel = 'Retry',
}: {
  title: string;
  message: string;
  onRetry?: () => void;
  retryLabel?: string;
}) {
  return (
    <div className="error-panel" role="alert">
      <h2>{title}</h2>
      <p>{message}</p>
      {onRetry && (
        <button type="button" className="ck-btn ck-btn--solid" data-color="primary" onClick={onRetry}>
          {retryLabel}
        </button>
      )}
    </div>
  );
}
