"use client";
// Light or dark: the system's setting (prefers-color-scheme) until the toggle picks one, which is kept
// in localStorage. next-themes sets data-theme on <html> from a script that runs before the first
// paint, so a dark page never flashes light; globals.css and the charts (Chart.tsx) follow it.
import { ThemeProvider as NextThemes, useTheme } from "next-themes";
import type { ReactNode } from "react";
import { useHydrated } from "@/lib/useHydrated";

export const THEME_STORAGE_KEY = "trainql-theme";

export function ThemeProvider({ children }: { children: ReactNode }) {
  return (
    <NextThemes attribute="data-theme" defaultTheme="system" enableSystem storageKey={THEME_STORAGE_KEY}>
      {children}
    </NextThemes>
  );
}

/** Switches between light and dark; the choice then holds over the system's until changed back. */
export function ThemeToggle() {
  const { resolvedTheme, setTheme } = useTheme();
  // The server cannot know the theme: the button shows it once the page runs.
  const hydrated = useHydrated();
  const dark = hydrated && resolvedTheme === "dark";
  return (
    <button
      type="button"
      className="secondary small theme-toggle"
      aria-pressed={dark}
      disabled={!hydrated}
      onClick={() => setTheme(dark ? "light" : "dark")}
    >
      Dark mode
    </button>
  );
}
