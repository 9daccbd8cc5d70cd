"use client";
// A page the API would not serve: why, and the way to sign in when a token is what is missing.
import { useApi } from "./Providers";

export function ApiErrorNotice({ message, unauthenticated }: { message: string; unauthenticated: boolean }) {
  const { requestSignIn } = useApi();
  return (
    <div className="card">
      <p className="error">{message}</p>
      {unauthenticated && (
        <button type="button" onClick={requestSignIn}>
          Sign in
        </button>
      )}
    </div>
  );
}
