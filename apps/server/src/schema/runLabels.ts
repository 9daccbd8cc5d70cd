// What people write about a run (not what it trains with): its name, tags and Markdown note. The
// rules live here once, for startRun's name, updateRun and the runs filter; each fails with a
// predicate and the value that broke it ("must be at most 32 characters; got 40"), as the
// hyperparameter rules do, so the API names the field in front.
import { shown } from "@trainql/nn/validation";
import { z } from "zod";

export const MAX_NAME = 120;
export const MAX_TAG = 32;
export const MAX_TAGS = 20;
export const MAX_NOTE = 20_000;

/** Tags are slugs: they go in URLs (?tag=…), CSV cells and chips without quoting. */
const TAG = /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/;
export const TAG_RULE = `must be 1 to ${MAX_TAG} characters: letters, digits and . _ : / - (not first)`;

/** Free text: PostgreSQL's text cannot hold U+0000, so it is refused here, naming the field, not there. */
const Text = z.string().refine((text) => !text.includes("\u0000"), {
  error: "must not contain the NUL character (U+0000), which PostgreSQL text cannot store: remove it",
});

/** A run's name as given (trimmed); empty means none (see `orNone`). */
const Name = Text.trim().max(MAX_NAME, {
  error: (issue) => `must be at most ${MAX_NAME} characters; got ${String(issue.input).length}: shorten it`,
});

/** Empty text (or null) as no value at all. */
const orNone = (text: string | null | undefined) => (text?.trim() ? text : null);

/** startRun's name: optional, empty means none. */
export const RunName = Name.nullish().transform(orNone);

const Tag = z
  .string()
  .trim()
  .max(MAX_TAG, { error: (issue) => `${TAG_RULE}; got ${shown(issue.input)}` })
  .regex(TAG, { error: (issue) => `${TAG_RULE}; got ${shown(issue.input)}` });

/** A run's tags: each a slug, at most MAX_TAGS, duplicates dropped (first spelling kept, in order). */
const Tags = z
  .array(Tag)
  .max(MAX_TAGS, {
    error: (issue) =>
      `must hold at most ${MAX_TAGS} tags; got ${(issue.input as unknown[]).length}: drop some or merge them`,
  })
  .transform((tags) => [...new Set(tags)]);

const Note = Text.max(MAX_NOTE, {
  error: (issue) => `must be at most ${MAX_NOTE} characters; got ${String(issue.input).length}: shorten it`,
});

/**
 * updateRun's input, as the columns to write: a field left out (undefined) stays as it is; name or
 * note null or empty clears it; tags null clears them all.
 */
export const UpdateRunSchema = z
  .object({
    name: Name.nullable().optional(),
    tags: Tags.nullable().optional(),
    note: Note.nullable().optional(),
  })
  .transform(({ name, tags, note }) => ({
    ...(name === undefined ? {} : { name: orNone(name) }),
    ...(tags === undefined ? {} : { tags: tags ?? [] }),
    ...(note === undefined ? {} : { note: orNone(note) }),
  }));

/** The runs filter: tags to match all of, a case-insensitive name fragment (other fields as given). */
export const RunFilterSchema = z.looseObject({
  tags: z
    .array(Tag)
    .max(MAX_TAGS, { error: () => `must hold at most ${MAX_TAGS} tags` })
    .nullish(),
  nameContains: Name.nullish(),
});
