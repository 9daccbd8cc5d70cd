// The set-up step's look for OpenBLAS, as a user whose PATH has no /usr/sbin (Debian's default for
// one who is not root): it used to report the library missing, and `pnpm test` stopped there.
import { describe, expect, it } from "vitest";
import { loaderKnows } from "./loaderLibraries.ts";

describe("loaderKnows", () => {
  it("finds a library the loader knows without ldconfig on the PATH", () => {
    // (libc is on every Linux machine these tests run on.)
    expect(loaderKnows("libc.so.6")).toBe(true);
    expect(loaderKnows("libc.so.6", { PATH: "/usr/bin:/bin" })).toBe(true);
    // OpenBLAS, which `pnpm test` installs (`pnpm test:unit` does not): the same answer either way.
    expect(loaderKnows("libopenblas.so.0", { PATH: "/usr/bin:/bin" })).toBe(loaderKnows("libopenblas.so.0"));
  });

  it("says no for a library the loader does not know, nor for a prefix of a name it does", () => {
    expect(loaderKnows("libno-such-library.so.0")).toBe(false);
    expect(loaderKnows("libc.so")).toBe(false); // (libc.so.6 is listed)
  });
});
