// What a file URL (a weights image, a download) carries instead of the API token: <img> tags and
// download links send no headers, so a credential has to go in the address, where browser history,
// logs and shared links keep it. This one is derived from the token and lets its holder read files,
// nothing else: a leaked CSV link cannot start, cancel or delete runs. The API and the dashboard
// both derive it here. (@noble/hashes, not Web Crypto: a browser has no crypto.subtle on a plain-HTTP
// address other than localhost, where a dashboard on a LAN is served.)
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";

const encoder = new TextEncoder();

/** The `read_token` parameter for `token`: HMAC-SHA-256 of a fixed purpose, base64url. */
export function fileReadToken(token: string): string {
  const mac = hmac(sha256, encoder.encode(token), encoder.encode("trainql: read files"));
  let binary = "";
  for (const byte of mac) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
