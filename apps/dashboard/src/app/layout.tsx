import type { Metadata } from "next";
import type { ReactNode } from "react";
import { NavLinks } from "@/components/NavLinks";
import { Providers } from "@/components/Providers";
import { env } from "@/env";
import "./globals.css";

export const metadata: Metadata = { title: "TrainQL", description: "Train and tune a two-layer net on CIFAR-10" };
// Read the API's address at request time, not at build time.
export const dynamic = "force-dynamic";

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <NavLinks />
        <Providers publicApiUrl={env.TRAINQL_PUBLIC_API_URL ?? null} apiPort={String(env.TRAINQL_API_PORT)}>
          <main>{children}</main>
        </Providers>
      </body>
    </html>
  );
}
