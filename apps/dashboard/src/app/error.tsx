"use client";
// Anything a page did not expect: say so in words, and offer to try again, instead of Next's bare
// "This page couldn't load".
export default function PageError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div className="card" role="alert">
      <h1>Something went wrong</h1>
      <p className="error">
        This page could not be shown{error.digest ? ` (error ${error.digest} in the dashboard's log)` : ""}.
      </p>
      <button type="button" onClick={reset}>
        Try again
      </button>
    </div>
  );
}
