import { useEngine } from '../state/engineStore';

/** Every error and notice from the worker, newest first, until the user dismisses it. */
export function MessageLog() {
  const messages = useEngine((s) => s.messages);
  const dismiss = useEngine((s) => s.dismiss);
  const clear = useEngine((s) => s.clearMessages);
  if (messages.length === 0) return null;
  return (
    <section className="message-log" aria-label="Engine messages">
      <ul>
        {[...messages].reverse().map((m) => (
          <li key={m.id} className={`msg msg-${m.level}`} role={m.level === 'error' ? 'alert' : undefined}>
            <span className="msg-text">
              {m.context ? <span className="msg-context">{m.context}: </span> : null}
              {m.text}
            </span>
            <time dateTime={new Date(m.time).toISOString()}>{new Date(m.time).toLocaleTimeString()}</time>
            <button type="button" className="icon" aria-label={`Dismiss message: ${m.text}`} onClick={() => dismiss(m.id)}>
              ×
            </button>
          </li>
        ))}
      </ul>
      {messages.length > 1 && (
        <button type="button" className="link" onClick={clear}>
          Dismiss all
        </button>
      )}
    </section>
  );
}
