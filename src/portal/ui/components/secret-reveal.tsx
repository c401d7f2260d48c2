import { useId, useRef, useState } from 'preact/hooks';

/**
 * A signing secret, shown this once: a Copy button (Clipboard API), and when the browser refuses
 * (an iframe without clipboard permission, plain http) the field's text is selected for Ctrl+C.
 */
export function SecretReveal({ secret, label = 'Signing secret' }: { secret: string; label?: string }) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<'yes' | 'select' | null>(null);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('yes');
    } catch {
      input.current?.focus();
      input.current?.select();
      setCopied('select');
    }
  };

  return (
    <div class="secret" data-testid="signing-secret">
      <label for={id}>{label}</label>
      <div class="secret-row">
        <input
          id={id}
          ref={input}
          class="mono"
          readOnly
          value={secret}
          spellcheck={false}
          autocomplete="off"
          onFocus={(e) => e.currentTarget.select()}
        />
        <button type="button" class="primary" onClick={copy}>
          Copy
        </button>
      </div>
      <p class="warning" role="note">
        Copy it now and keep it safe: you will not see it again. Your receiver uses it to verify each webhook's signature.
      </p>
      <p role="status" aria-live="polite" class="muted">
        {copied === 'yes' && 'Copied to the clipboard.'}
        {copied === 'select' && 'Copying is blocked here: the secret is selected, press Ctrl+C (⌘C) to copy it.'}
      </p>
    </div>
  );
}
