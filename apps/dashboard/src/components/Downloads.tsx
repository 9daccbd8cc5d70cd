"use client";
// Links to files the API serves (CSV, JSON, .npz, PNG): plain downloads, with the token as a
// parameter when there is one (a link sends no headers). The API names each file
// (Content-Disposition), so the browser saves it under that name even across origins.
import { useApi } from "./Providers";

export interface DownloadLink {
  label: string;
  path: string;
  title?: string;
}

export function Downloads({ links, label = "Download" }: { links: DownloadLink[]; label?: string }) {
  const { fileUrl } = useApi();
  // Without an address until the browser knows the API's origin and the token (see WeightsImage).
  return (
    <span className="downloads">
      <span className="muted">{label}</span>
      {links.map((link) => (
        <a key={link.path} className="button secondary small" href={fileUrl(link.path)} download title={link.title}>
          {link.label}
        </a>
      ))}
    </span>
  );
}
