// One labelled input of a form, with the error the API (or the form) reported for it beside it.
export function FormField({
  name,
  label,
  value,
  error,
  onChange,
  inputMode = "text",
}: {
  name: string;
  label: string;
  value: string;
  error?: string;
  inputMode?: "text" | "decimal";
  onChange: (value: string) => void;
}) {
  return (
    <label>
      {label}
      <input
        name={name}
        inputMode={inputMode}
        value={value}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${name}-error` : undefined}
        onChange={(e) => onChange(e.target.value)}
      />
      {error && (
        <span className="field-error" id={`${name}-error`} role="alert">
          {error}
        </span>
      )}
    </label>
  );
}

/** The end of a form: its own error, if any, and the submit button. */
export function FormFooter({ error, submitting, label }: { error?: string; submitting: boolean; label: string }) {
  return (
    <div style={{ gridColumn: "1 / -1" }}>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" disabled={submitting}>
        {submitting ? "Starting…" : label}
      </button>
    </div>
  );
}
