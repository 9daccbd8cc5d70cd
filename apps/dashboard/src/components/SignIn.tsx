"use client";
// The API wants a token: ask for it once, keep it for the session, and reload what needed it. Or the
// token signed in with may only watch (API_READ_TOKEN) and the user tried to change something: offer
// to sign in with another, or to go on watching.
import { type FormEvent, useState } from "react";
import { setToken } from "@/lib/api/token";
import type { SignInReason } from "@/lib/api/urqlClient";

export function SignIn({ reason, onClose }: { reason: SignInReason; onClose: () => void }) {
  const [value, setValue] = useState("");
  function submit(event: FormEvent) {
    event.preventDefault();
    if (!value.trim()) return;
    setToken(value.trim());
    // Everything on the page asked without the token: load it again with it (a wrong one asks again).
    window.location.reload();
  }
  return (
    <div className="card signin" role="dialog" aria-label="Sign in">
      <h2>Sign in</h2>
      <p className="muted" data-testid="signin-reason">
        {reason === "readOnly"
          ? "The token you signed in with may only watch (one of the API's API_READ_TOKEN): to change anything, sign in with one of its API_TOKEN."
          : "This TrainQL API needs a token: one of its API_TOKEN, or of API_READ_TOKEN to watch without changing anything."}{" "}
        It is kept for this browser session only.
      </p>
      <form onSubmit={submit} className="toolbar">
        <input
          type="password"
          name="token"
          aria-label="API token"
          value={value}
          onChange={(e) => setValue(e.target.value)}
        />
        <button type="submit">Sign in</button>
        {reason === "readOnly" && (
          <button type="button" className="secondary" onClick={onClose}>
            Go on watching
          </button>
        )}
      </form>
    </div>
  );
}
