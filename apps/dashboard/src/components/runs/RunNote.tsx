// A run's Markdown note as its page shows it. react-markdown never renders raw HTML (none of its HTML
// plugins is used) and drops javascript: links, so a note cannot run script. An image is shown as a
// link to it, not loaded: a note's image from another site would tell that site who opened the run's
// page, and when (a tracking pixel), and every reader of the API may open it.
import Markdown, { type Components } from "react-markdown";

const components: Components = {
  img: ({ src, alt }) => (
    <a href={typeof src === "string" ? src : undefined} rel="noopener noreferrer nofollow" target="_blank">
      [image{alt ? `: ${alt}` : ""}]
    </a>
  ),
  a: ({ href, children }) => (
    <a href={href} rel="noopener noreferrer nofollow" target="_blank">
      {children}
    </a>
  ),
};

export function RunNote({ note }: { note: string }) {
  return <Markdown components={components}>{note}</Markdown>;
}
