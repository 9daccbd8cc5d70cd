// Under a list read a page at a time (usePagedQuery): what it shows so far, and the button for the
// next page; nothing once the API has no more.
import type { ReactNode } from "react";

export function LoadMore({
  list,
  testId,
  children,
}: {
  list: { hasMore: boolean; fetching: boolean; loadMore: () => void };
  testId?: string;
  /** What is shown so far, e.g. "Showing the first 100 runs; more match." */
  children: ReactNode;
}) {
  if (!list.hasMore) return null;
  return (
    <div className="toolbar">
      <span className="muted" data-testid={testId}>
        {children}
      </span>
      <button type="button" className="secondary" disabled={list.fetching} onClick={list.loadMore}>
        Load more
      </button>
    </div>
  );
}
