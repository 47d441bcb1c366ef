import { type DependencyList, useCallback, useEffect, useState } from "react";

import { useSession } from "../components/session";
import { ApiError } from "./client";

export type Resource<T> =
  | { status: "loading" }
  | { status: "ready"; data: T }
  | { status: "error"; error: unknown };

/**
 * Load something from the API when `deps` change; a 401 ends the session (back to /login).
 *
 * An answer that arrives after the dependencies changed again is dropped.
 */
export function useResource<T>(load: () => Promise<T>, deps: DependencyList): Resource<T> {
  const { expire } = useSession();
  const [resource, setResource] = useState<Resource<T>>({ status: "loading" });
  // The caller lists in `deps` what `load` reads, as with useCallback.
  const stableLoad = useCallback(load, deps);

  useEffect(() => {
    let current = true;
    setResource({ status: "loading" });
    stableLoad().then(
      (data) => current && setResource({ status: "ready", data }),
      (error: unknown) => {
        if (!current) return;
        if (error instanceof ApiError && error.status === 401) expire();
        else setResource({ status: "error", error });
      },
    );
    return () => {
      current = false;
    };
  }, [stableLoad, expire]);

  return resource;
}
