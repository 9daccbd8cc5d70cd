// What a file URL (a weights image, a download) carries instead of the API token: <img> tags and
// download links send no headers, so a credential has to go in the address, where browser history,
// logs and shared links keep it. This one is derived from the token and lets its holder read files,
// nothing else: a leaked CSV link cannot start, cancel or delete runs. The API and the dashboard
// both derive it here (Web Crypto, in the browser and in Node alike).

/** The `read_token` parameter for `token`: HMAC-SHA-256 of a fixed purpose, base64url. */
export async function fileReadToken(token: string): Promise<string> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", encoder.encode(token), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode("trainql: read files")));
  let binary = "";
  for (const byte of mac) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
