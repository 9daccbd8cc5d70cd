// Validation shared by every entry point: rules, text parsers and how problems are worded.
export * from "./problems.ts";
export * from "./rules.ts";
export * from "./textInput.ts";
