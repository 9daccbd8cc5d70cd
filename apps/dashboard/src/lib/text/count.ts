// Whole numbers as every page prints them: "40,000". Always en-US, not the browser's locale: the
// server renders the page first, and the browser's hydration must read the same text.
export const count = (n: number): string => n.toLocaleString("en-US");
