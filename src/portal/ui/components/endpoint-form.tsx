import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, fieldErrors } from '../api.ts';
import { usePortal } from '../context.ts';
import { href, navigate } from '../router.ts';
import type { Endpoint, EndpointInput, EndpointStatus, EndpointWithSecret } from '../types.ts';
import { ErrorMessage, Loading } from './common.tsx';
import { EventTypePicker } from './event-type-picker.tsx';
import { SecretReveal } from './secret-reveal.tsx';

interface HeaderRow {
  name: string;
  value: string;
}

interface FormState {
  url: string;
  name: string;
  description: string;
  eventTypes: string[];
  timeoutSeconds: string;
  rateLimit: string;
  status: EndpointStatus;
  headers: HeaderRow[];
}

const EMPTY: FormState = { url: '', name: '', description: '', eventTypes: [], timeoutSeconds: '10', rateLimit: '', status: 'active', headers: [] };

function fromEndpoint(e: Endpoint): FormState {
  return {
    url: e.url,
    name: e.name ?? '',
    description: e.description ?? '',
    eventTypes: e.event_types,
    timeoutSeconds: String(e.timeout_seconds),
    rateLimit: e.rate_limit_per_second === null ? '' : String(e.rate_limit_per_second),
    status: e.status,
    headers: Object.entries(e.headers).map(([name, value]) => ({ name, value })),
  };
}

function toInput(form: FormState, creating: boolean, original?: Endpoint): EndpointInput {
  const headers = Object.fromEntries(form.headers.filter((h) => h.name.trim()).map((h) => [h.name.trim(), h.value]));
  const input: EndpointInput = {
    url: form.url.trim(),
    name: form.name.trim() || null,
    description: form.description.trim() || null,
    event_types: form.eventTypes,
    timeout_seconds: Number(form.timeoutSeconds),
    rate_limit_per_second: form.rateLimit.trim() === '' ? null : Number(form.rateLimit),
  };
  // Credential headers come back as "[redacted]", which the API reads as "keep the stored value";
  // unchanged headers are simply not sent.
  if (creating || JSON.stringify(headers) !== JSON.stringify(original?.headers ?? {})) input.headers = headers;
  if (creating) input.status = form.status;
  return input;
}

/** Create (`id` absent) or edit an endpoint; a new endpoint's signing secret is shown once. */
export function EndpointForm({ id }: { id?: string }) {
  const { client, session } = usePortal();
  const creating = id === undefined;
  const [original, setOriginal] = useState<Endpoint | null>(null);
  const [form, setForm] = useState<FormState>(EMPTY);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const [created, setCreated] = useState<EndpointWithSecret | null>(null);

  useEffect(() => {
    if (creating) return;
    client
      .get<Endpoint>(`/webhooks/endpoints/${encodeURIComponent(id)}`)
      .then((e) => {
        setOriginal(e);
        setForm(fromEndpoint(e));
      })
      .catch(setError);
  }, [id]);

  if (session.read_only) return <p class="error" role="alert">This portal session is read-only: endpoints cannot be changed here.</p>;
  if (created) {
    return (
      <section aria-labelledby="created-title" class="panel">
        <h1 id="created-title">Endpoint created</h1>
        <p class="mono break">{created.url}</p>
        <SecretReveal secret={created.signing_secret} />
        <a class="button primary" href={href.endpoint(created.id)}>
          I have saved the secret — go to the endpoint
        </a>
      </section>
    );
  }
  if (!creating && !original) return error ? <ErrorMessage error={error} /> : <Loading />;

  const set = <K extends keyof FormState>(key: K, value: FormState[K]) => setForm((f) => ({ ...f, [key]: value }));

  const submit = async (event: Event) => {
    event.preventDefault();
    const local: Record<string, string> = {};
    if (!form.url.trim()) local.url = 'Enter the URL that should receive the webhooks.';
    if (form.eventTypes.length === 0) local.event_types = 'Choose at least one event type.';
    setErrors(local);
    setError(null);
    if (Object.keys(local).length > 0) return focusFirstError(local);
    setSaving(true);
    try {
      const body = toInput(form, creating, original ?? undefined);
      if (creating) setCreated(await client.post<EndpointWithSecret>('/webhooks/endpoints', body));
      else {
        await client.patch<Endpoint>(`/webhooks/endpoints/${encodeURIComponent(id)}`, body);
        navigate(href.endpoint(id));
      }
    } catch (e) {
      const byField = fieldErrors(e);
      setErrors(byField);
      focusFirstError(byField);
      // A 422 whose every problem sits next to its field needs no banner beyond a pointer.
      setError(e instanceof ApiError && e.status === 422 && Object.keys(byField).length > 0 ? new Error('Please correct the fields marked below.') : e);
    } finally {
      setSaving(false);
    }
  };

  return (
    <section aria-labelledby="form-title">
      <h1 id="form-title">{creating ? 'Add an endpoint' : 'Edit endpoint'}</h1>
      <ErrorMessage error={error} />
      <form class="form" noValidate onSubmit={submit}>
        <Field id="url" label="Endpoint URL" error={errors.url} hint="Where Hookline sends each webhook, e.g. https://example.com/webhooks.">
          <input id="url" type="url" inputMode="url" required value={form.url} onInput={(e) => set('url', e.currentTarget.value)} {...invalid('url', errors)} />
        </Field>
        <Field id="name" label="Name (optional)" error={errors.name}>
          <input id="name" value={form.name} maxLength={200} onInput={(e) => set('name', e.currentTarget.value)} {...invalid('name', errors)} />
        </Field>
        <Field id="description" label="Description (optional)" error={errors.description}>
          <textarea id="description" rows={2} maxLength={2000} value={form.description} onInput={(e) => set('description', e.currentTarget.value)} {...invalid('description', errors)} />
        </Field>
        <EventTypePicker value={form.eventTypes} onChange={(v) => set('eventTypes', v)} error={errors.event_types} />
        <div class="grid-2">
          <Field id="timeout_seconds" label="Timeout (seconds, 1–30)" error={errors.timeout_seconds}>
            <input id="timeout_seconds" type="number" min={1} max={30} value={form.timeoutSeconds} onInput={(e) => set('timeoutSeconds', e.currentTarget.value)} {...invalid('timeout_seconds', errors)} />
          </Field>
          <Field id="rate_limit_per_second" label="Rate limit (requests per second, optional)" error={errors.rate_limit_per_second}>
            <input id="rate_limit_per_second" type="number" min={1} max={10000} placeholder="No limit" value={form.rateLimit} onInput={(e) => set('rateLimit', e.currentTarget.value)} {...invalid('rate_limit_per_second', errors)} />
          </Field>
        </div>
        {creating && (
          <Field id="status" label="Start as" error={errors.status}>
            <select id="status" value={form.status} onChange={(e) => set('status', e.currentTarget.value as EndpointStatus)}>
              <option value="active">Active — deliver at once</option>
              <option value="paused">Paused — hold deliveries until resumed</option>
            </select>
          </Field>
        )}
        <HeadersEditor rows={form.headers} onChange={(rows) => set('headers', rows)} error={errors.headers} />
        <div class="actions">
          <button type="submit" class="primary" disabled={saving}>
            {saving ? 'Saving…' : creating ? 'Create endpoint' : 'Save changes'}
          </button>
          <a class="button" href={creating ? href.endpoints() : href.endpoint(id)}>
            Cancel
          </a>
        </div>
      </form>
    </section>
  );
}

/** Keyboard and screen-reader users land on the first field the server (or the form) refused. */
function focusFirstError(errors: Record<string, string>): void {
  const order = ['url', 'name', 'description', 'event_types', 'timeout_seconds', 'rate_limit_per_second', 'status', 'headers'];
  const first = order.find((field) => errors[field]);
  if (!first) return;
  requestAnimationFrame(() => {
    const target = first === 'event_types' || first === 'headers' ? document.querySelector<HTMLElement>(`#${first}-error`)?.closest('fieldset')?.querySelector('input') : document.getElementById(first);
    target?.focus();
  });
}

const invalid = (field: string, errors: Record<string, string>) =>
  errors[field] ? { 'aria-invalid': true, 'aria-describedby': `${field}-error` } : {};

function Field({ id, label, hint, error, children }: { id: string; label: string; hint?: string; error?: string; children: ComponentChildren }) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children}
      {error && (
        <p id={`${id}-error`} class="field-error">
          {error}
        </p>
      )}
      {hint && <p class="hint">{hint}</p>}
    </div>
  );
}

function HeadersEditor({ rows, onChange, error }: { rows: HeaderRow[]; onChange: (rows: HeaderRow[]) => void; error?: string }) {
  const update = (i: number, patch: Partial<HeaderRow>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <fieldset class="headers-editor">
      <legend>Custom headers (optional)</legend>
      <p class="hint">Sent with every delivery, e.g. an Authorization header. Credential values are never shown again ([redacted] keeps the stored value).</p>
      {rows.map((row, i) => (
        <div key={i} class="header-row">
          <label>
            <span class="sr-only">Header {i + 1} name</span>
            <input placeholder="Name" value={row.name} onInput={(e) => update(i, { name: e.currentTarget.value })} />
          </label>
          <label>
            <span class="sr-only">Header {i + 1} value</span>
            <input placeholder="Value" value={row.value} onInput={(e) => update(i, { value: e.currentTarget.value })} />
          </label>
          <button type="button" aria-label={`Remove header ${i + 1}`} onClick={() => onChange(rows.filter((_, j) => j !== i))}>
            Remove
          </button>
        </div>
      ))}
      {rows.length < 20 && (
        <button type="button" onClick={() => onChange([...rows, { name: '', value: '' }])}>
          Add header
        </button>
      )}
      {error && (
        <p id="headers-error" class="field-error">
          {error}
        </p>
      )}
    </fieldset>
  );
}
