// A run's note is written by any token holder and read by everyone who opens the run: it may format,
// link and name images, but it loads nothing from elsewhere and runs nothing.
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { RunNote } from "@/components/runs/RunNote";

const html = (note: string) => renderToStaticMarkup(createElement(RunNote, { note }));

describe("a run's note", () => {
  it("shows an image as a link to it, so that opening the page loads nothing from another site", () => {
    const shown = html("Loss curve: ![pixel](https://tracker.example/p.png?who=me)");
    expect(shown).not.toContain("<img");
    expect(shown).toContain('href="https://tracker.example/p.png?who=me"');
    expect(shown).toContain("[image: pixel]");
  });

  it("formats Markdown, opens links apart from the page, and renders no HTML or script", () => {
    const shown = html(
      "**best** so far, see [the paper](https://arxiv.org/abs/1206.5533)\n\n<script>alert(1)</script> [x](javascript:alert)",
    );
    expect(shown).toContain("<strong>best</strong>");
    expect(shown).toContain(
      '<a href="https://arxiv.org/abs/1206.5533" rel="noopener noreferrer nofollow" target="_blank">',
    );
    expect(shown).not.toContain("<script");
    expect(shown).toContain("&lt;script&gt;");
    expect(shown).not.toContain('href="javascript:');
  });
});
