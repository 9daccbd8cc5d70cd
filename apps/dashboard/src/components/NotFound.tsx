// What a page says when its address names nothing: the id is unknown (deleted, or from another
// database) or not an id at all (mistyped, cut off). Next.js sends it with status 404.
import Link from "next/link";

export function NotFound({
  what,
  back,
  backLabel,
  byId = true,
}: {
  what: string;
  back: string;
  backLabel: string;
  /** The address holds an id (a run's, a sweep's), which is then what to check. */
  byId?: boolean;
}) {
  return (
    <div className="card" data-testid="not-found">
      <h1>No such {what}</h1>
      {byId ? (
        <p>
          Nothing has the id in this address. Either the {what} was deleted, or the address is not quite right: ids are
          UUIDs such as <code>3f2a9c1e-5b7d-4e8a-9c0f-1a2b3c4d5e6f</code>, so check that the link was copied whole.
        </p>
      ) : (
        <p>The dashboard has no page at this address.</p>
      )}
      <Link href={back}>{backLabel}</Link>
    </div>
  );
}
