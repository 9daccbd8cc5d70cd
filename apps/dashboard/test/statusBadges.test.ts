// Every status a badge can show has its colours in globals.css: a status without a rule was an
// unstyled word among coloured badges (PAUSED, a sweep trial waiting for its rung).
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { RUN_STATUSES } from "@/lib/types";

const css = readFileSync(path.resolve(import.meta.dirname, "../src/app/globals.css"), "utf8");

describe("status badges", () => {
  it.each(RUN_STATUSES)("%s has a background and a colour", (status) => {
    const rule = new RegExp(`\\.status-${status}\\s*\\{([^}]*)\\}`).exec(css)?.[1] ?? "";
    expect(rule).toMatch(/background:\s*var\(--[\w-]+\)/);
    expect(rule).toMatch(/(^|[\s;])color:\s*var\(--[\w-]+\)/);
  });
});
