// The requestId a form sends with startRun or startSweep (see the API's requestId): one per content
// the form has sent, so that starting again after an error, or after an answer that never came though
// the run was queued, is the same request and the API queues nothing twice, even after trying other
// values in between; new content, a new key. (Kept by the page: a reload starts afresh.)
import { useRef } from "react";

export function useRequestIds(): (content: unknown) => string {
  const keys = useRef(new Map<string, string>());
  return (content) => {
    const text = JSON.stringify(content);
    const requestId = keys.current.get(text) ?? randomKey();
    keys.current.set(text, requestId);
    return requestId;
  };
}

// getRandomValues, not randomUUID: served over plain HTTP (not localhost), a page has no randomUUID.
const randomKey = () =>
  Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
