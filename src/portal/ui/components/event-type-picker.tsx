import { usePortal } from '../context.ts';

/**
 * Checkboxes over the catalogue the session may see, each with its description and, when it has
 * one, its JSON Schema in a disclosure. Patterns an endpoint already has that are not catalogue
 * names (`invoice.*`) are listed too, so an edit keeps them unless unticked.
 */
export function EventTypePicker({ value, onChange, error }: { value: string[]; onChange: (next: string[]) => void; error?: string }) {
  const { eventTypes, session } = usePortal();
  const names = new Set(eventTypes.map((t) => t.name));
  const extra = value.filter((v) => v !== '*' && !names.has(v));
  const all = value.includes('*');
  const toggle = (name: string, on: boolean) => onChange(on ? [...value.filter((v) => v !== name), name] : value.filter((v) => v !== name));

  return (
    <fieldset class="picker" aria-describedby={error ? 'event_types-error' : undefined} aria-invalid={error ? true : undefined}>
      <legend>Event types</legend>
      {session.event_types === null && (
        <label class="check">
          <input type="checkbox" checked={all} onChange={(e) => onChange(e.currentTarget.checked ? ['*'] : [])} />
          <span>
            <strong>All event types</strong>
            <span class="muted"> — every event, including ones added later</span>
          </span>
        </label>
      )}
      {extra.map((pattern) => (
        <label key={pattern} class="check">
          <input type="checkbox" checked disabled={all} onChange={(e) => toggle(pattern, e.currentTarget.checked)} />
          <span class="mono">{pattern}</span>
        </label>
      ))}
      {eventTypes.length === 0 && <p class="muted">No event types are available to this portal session.</p>}
      {eventTypes.map((t) => (
        <div key={t.name} class="picker-item">
          <label class="check">
            <input
              type="checkbox"
              name="event_types"
              value={t.name}
              checked={all || value.includes(t.name)}
              disabled={all}
              onChange={(e) => toggle(t.name, e.currentTarget.checked)}
            />
            <span>
              <span class="mono">{t.name}</span>
              <span class="muted"> — {t.description}</span>
            </span>
          </label>
          {t.schema && (
            <details class="schema">
              <summary>JSON Schema of {t.name}</summary>
              <pre class="code">{JSON.stringify(t.schema, null, 2)}</pre>
            </details>
          )}
        </div>
      ))}
      {error && (
        <p id="event_types-error" class="field-error">
          {error}
        </p>
      )}
    </fieldset>
  );
}
