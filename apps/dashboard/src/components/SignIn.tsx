"use client";
// The API wants a token: ask for it once, keep it for the session, and reload what needed it.
import { type FormEvent, useState } from "react";
import { setToken } from "@/lib/token";

export function SignIn() {
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
      <p className="muted">This TrainQL API needs a token (its API_TOKEN). It is kept for this browser session only.</p>
      <form onSubmit={submit} className="toolbar">
        <input
          type="password"
          name="token"
          aria-label="API token"
          value={value}
          onChange={(e) => setValue(e.target.value)}
        />
        <button type="submit">Sign in</button>
      </form>
    </div>
  );
}
