// The requestId a form sends with startRun or startSweep (see the API's requestId): the same while
// the form's content stays the same, so that starting again after an error, or after an answer that
// never came though the run was queued, is the same request and the API queues nothing twice; new
// once the content changes.
import { useRef } from "react";

export function useRequestIds(): (content: unknown) => string {
  const last = useRef<{ content: string; requestId: string } | null>(null);
  return (content) => {
    const text = JSON.stringify(content);
    if (last.current?.content !== text) last.current = { content: text, requestId: randomKey() };
    return last.current.requestId;
  };
}

// getRandomValues, not randomUUID: served over plain HTTP (not localhost), a page has no randomUUID.
const randomKey = () =>
  Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
