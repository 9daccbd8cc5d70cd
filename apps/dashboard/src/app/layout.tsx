import type { Metadata } from "next";
import type { ReactNode } from "react";
import { NavLinks } from "@/components/NavLinks";
import { Providers } from "@/components/Providers";
import { ThemeProvider } from "@/components/ThemeProvider";
import { env } from "@/env";
import "./globals.css";

export const metadata: Metadata = { title: "TrainQL", description: "Train and tune a two-layer net on CIFAR-10" };
// Read the API's address at request time, not at build time.
export const dynamic = "force-dynamic";

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    // next-themes sets data-theme on <html> before the page paints (no flash of the wrong theme), so
    // what the server rendered differs there on purpose.
    <html lang="en" suppressHydrationWarning>
      <body>
        <ThemeProvider>
          <NavLinks />
          <Providers publicApiUrl={env.TRAINQL_PUBLIC_API_URL ?? null} apiPort={String(env.TRAINQL_API_PORT)}>
            <main>{children}</main>
          </Providers>
        </ThemeProvider>
      </body>
    </html>
  );
}
