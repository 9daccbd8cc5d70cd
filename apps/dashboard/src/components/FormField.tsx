// One labelled input of a form, with the error the API (or the form) reported for it beside it.
//
// A form's fields are read-only, and its button disabled, until the page has hydrated: what is typed
// into the server's HTML before then never reaches the form's state (the page showed one value and
// planned, or sent, another), and a user who types at once (a fast hand, a slow phone) must wait instead.
import { useCallback, useState } from "react";
import type { FieldErrors } from "@/lib/formErrors";
import { useHydrated } from "@/lib/useHydrated";

/**
 * A form's errors by field, and `edited(field)`, which takes away that field's error and the form's
 * own: an error beside a value other than the one it was about reads as a refusal of the new value.
 * The rest stay until the next submit.
 */
export function useFieldErrors<F extends string>() {
  const [errors, setErrors] = useState<FieldErrors<F>>({});
  const edited = useCallback(
    (field: F) =>
      setErrors((current) => {
        const { [field]: _field, form: _form, ...rest } = current as Record<string, string | undefined>;
        return rest as FieldErrors<F>;
      }),
    [],
  );
  return [errors, setErrors, edited] as const;
}

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
  const hydrated = useHydrated();
  return (
    <label>
      {label}
      <input
        name={name}
        inputMode={inputMode}
        value={value}
        readOnly={!hydrated}
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
  const hydrated = useHydrated();
  return (
    <div style={{ gridColumn: "1 / -1" }}>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" disabled={submitting || !hydrated}>
        {submitting ? "Starting…" : label}
      </button>
    </div>
  );
}
