"use client";
// What people write about a run: its name, tags and Markdown note (RunNote), shown on the run page and
// edited there in place (updateRun). The API checks them (BAD_USER_INPUT naming the field); its words
// are shown beside the field.
import { graphql, readFragment } from "@trainql/graphql";
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { useMutation } from "urql";
import { apiFieldErrors } from "@/lib/formErrors";
import { type RunLabelsData, RunLabelsFragment } from "@/lib/runs/runLabels";
import { useFieldErrors } from "../FormField";
import { RunNote } from "./RunNote";
import { TagChips } from "./TagChips";

const UPDATE = graphql(
  `
  mutation UpdateRun($id: ID!, $input: UpdateRunInput!) { updateRun(id: $id, input: $input) { ...RunLabels } }
`,
  [RunLabelsFragment],
);

type Field = "name" | "tags" | "note";
const LABELS: Record<Field, string> = { name: "Name", tags: "Tags", note: "Note" };
const fieldOf = (apiField: string) => {
  const name = apiField.replace(/^input\./, "");
  return name in LABELS ? (name as Field) : null;
};

/** Tags as typed: separated by commas or spaces (a tag holds neither). */
const tagsFrom = (text: string) => text.split(/[\s,]+/).filter(Boolean);

export function RunLabels({ initial }: { initial: RunLabelsData }) {
  const [labels, setLabels] = useState(initial);
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState({ name: "", tags: "", note: "" });
  // (A field's refusal goes when it is edited.)
  const [errors, setErrors, edited] = useFieldErrors<Field>();
  const [state, update] = useMutation(UPDATE);
  const router = useRouter();

  function edit() {
    setDraft({ name: labels.name ?? "", tags: labels.tags.join(" "), note: labels.note ?? "" });
    setErrors({});
    setEditing(true);
  }

  const change = (field: Field, value: string) => {
    edited(field);
    setDraft((d) => ({ ...d, [field]: value }));
  };

  async function save(event: FormEvent) {
    event.preventDefault();
    const result = await update({
      id: labels.id,
      input: { name: draft.name, tags: tagsFrom(draft.tags), note: draft.note },
    });
    if (result.data?.updateRun) {
      setLabels(readFragment(RunLabelsFragment, result.data.updateRun));
      setEditing(false);
      router.refresh(); // the page's title shows the name too
      return;
    }
    const found = apiFieldErrors(result.error, fieldOf, LABELS);
    setErrors(Object.keys(found).length > 0 ? found : { form: "updateRun failed" });
  }

  if (editing)
    return (
      <form className="labels-form" onSubmit={save} noValidate aria-label="Edit name, tags and note">
        <LabelInput field="name" error={errors.name}>
          <input
            id="run-name"
            name="name"
            value={draft.name}
            onChange={(e) => change("name", e.target.value)}
            aria-invalid={errors.name ? true : undefined}
          />
        </LabelInput>
        <LabelInput field="tags" error={errors.tags} hint="separated by spaces or commas">
          <input
            id="run-tags"
            name="tags"
            value={draft.tags}
            onChange={(e) => change("tags", e.target.value)}
            aria-invalid={errors.tags ? true : undefined}
          />
        </LabelInput>
        <LabelInput field="note" error={errors.note} hint="Markdown">
          <textarea
            id="run-note"
            name="note"
            value={draft.note}
            onChange={(e) => change("note", e.target.value)}
            aria-invalid={errors.note ? true : undefined}
          />
        </LabelInput>
        {errors.form && (
          <p className="error" role="alert">
            {errors.form}
          </p>
        )}
        <div className="toolbar">
          <button type="submit" disabled={state.fetching}>
            {state.fetching ? "Saving…" : "Save"}
          </button>
          <button type="button" className="secondary" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </div>
      </form>
    );

  return (
    <div data-testid="run-labels">
      <div className="toolbar">
        <strong className="run-name" data-testid="run-name">
          {labels.name ?? <span className="muted">No name</span>}
        </strong>
        <TagChips tags={labels.tags} />
        <button type="button" className="secondary small" onClick={edit}>
          Edit name, tags and note
        </button>
      </div>
      {labels.note ? (
        <div className="note" data-testid="run-note">
          <RunNote note={labels.note} />
        </div>
      ) : (
        <p className="muted">No note yet.</p>
      )}
    </div>
  );
}

function LabelInput({
  field,
  error,
  hint,
  children,
}: {
  field: Field;
  error: string | undefined;
  hint?: string;
  children: React.ReactNode;
}) {
  return (
    <div className="label-input">
      <label htmlFor={`run-${field}`}>
        {LABELS[field]} {hint && <span className="muted">({hint})</span>}
      </label>
      {children}
      {error && (
        <span className="field-error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}
