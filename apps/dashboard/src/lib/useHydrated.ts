// False while the server renders and while the browser hydrates that HTML, true afterwards. What
// only the browser knows (the API's origin, the token, the time now) renders after this turns true,
// so hydration sees exactly the server's markup and React never has to patch (or fail to patch) it.
import { useSyncExternalStore } from "react";

const noSubscription = () => () => {};

export function useHydrated(): boolean {
  return useSyncExternalStore(
    noSubscription,
    () => true,
    () => false,
  );
}
