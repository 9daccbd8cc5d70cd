"use client";
// The top navigation, with the page the user is on marked (aria-current), also for its sub-pages, and
// the light/dark toggle.
import Link from "next/link";
import { usePathname } from "next/navigation";
import { ThemeToggle } from "./ThemeProvider";

const PAGES = [
  { href: "/", label: "Runs", owns: (p: string) => p === "/" || (p.startsWith("/runs/") && p !== "/runs/new") },
  { href: "/runs/new", label: "New run", owns: (p: string) => p === "/runs/new" },
  { href: "/experiments", label: "Experiments", owns: (p: string) => p.startsWith("/experiments") },
  { href: "/compare", label: "Compare", owns: (p: string) => p.startsWith("/compare") },
  { href: "/sweeps", label: "Sweeps", owns: (p: string) => p.startsWith("/sweeps") },
];

export function NavLinks() {
  const pathname = usePathname();
  return (
    <nav className="top" aria-label="Main">
      <Link href="/" className="brand">
        TrainQL
      </Link>
      {PAGES.map((page) => (
        <Link key={page.href} href={page.href} aria-current={page.owns(pathname) ? "page" : undefined}>
          {page.label}
        </Link>
      ))}
      <ThemeToggle />
    </nav>
  );
}
