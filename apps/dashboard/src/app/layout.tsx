import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import { Providers } from "@/components/Providers";
import { API_PORT, publicApiUrl } from "@/lib/apiUrl";
import "./globals.css";

export const metadata: Metadata = { title: "TrainQL", description: "Train and tune a two-layer net on CIFAR-10" };
// Read the API's address at request time, not at build time.
export const dynamic = "force-dynamic";

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <nav className="top">
          <Link href="/" className="brand">
            TrainQL
          </Link>
          <Link href="/">Runs</Link>
          <Link href="/runs/new">New run</Link>
          <Link href="/experiments">Experiments</Link>
          <Link href="/compare">Compare</Link>
          <Link href="/sweeps">Sweeps</Link>
        </nav>
        <Providers publicApiUrl={publicApiUrl()} apiPort={API_PORT}>
          <main>{children}</main>
        </Providers>
      </body>
    </html>
  );
}
