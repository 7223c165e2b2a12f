/** The chat box: Enter sends, Shift+Enter makes a new line. */
import { type FormEvent, type KeyboardEvent, useId, useState } from 'react';

interface Props {
  busy: boolean;
  disabled: boolean;
  onSend: (text: string) => Promise<boolean>;
}

export function Composer({ busy, disabled, onSend }: Props) {
  const [text, setText] = useState('');
  const id = useId();
  const canSend = !disabled && !busy && text.trim().length > 0;

  const send = async () => {
    if (!canSend) return;
    const message = text.trim();
    setText('');
    const ok = await onSend(message);
    if (!ok) setText((current) => current || message);
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void send();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void send();
    }
  };

  return (
    <form className="composer" onSubmit={onSubmit}>
      <label htmlFor={id} className="visually-hidden">
        Message Class Assist
      </label>
      <textarea
        id={id}
        className="composer-input"
        rows={1}
        value={text}
        placeholder="Ask about the lecture…"
        aria-describedby={`${id}-hint`}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKeyDown}
        disabled={disabled}
      />
      <span id={`${id}-hint`} className="visually-hidden">
        Enter sends; Shift+Enter starts a new line.
      </span>
      <button
        type="submit"
        className="ck-btn ck-btn--solid composer-send"
        data-color="primary"
        aria-disabled={!canSend || undefined}
      >
        {busy ? <span className="ck-spinner" aria-hidden="true" /> : null}
        <span>Send</span>
      </button>
    </form>
  );
}
