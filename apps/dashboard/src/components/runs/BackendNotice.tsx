// Where new runs will train, and anything that makes that slower than it could be (e.g. no BLAS
// library on the trainer's machine), so that a slow run is not a surprise — or impossible: no data.
import { type FragmentOf, graphql, readFragment } from "@trainql/graphql";

export const BackendNoticeBackend = graphql(`fragment BackendNoticeBackend on Backend { name device warnings }`);
export const BackendNoticeDataset = graphql(`fragment BackendNoticeDataset on Dataset { available howToGet }`);

export function BackendNotice(props: {
  backend: FragmentOf<typeof BackendNoticeBackend> | null;
  dataset?: FragmentOf<typeof BackendNoticeDataset> | null;
}) {
  const backend = readFragment(BackendNoticeBackend, props.backend);
  const dataset = readFragment(BackendNoticeDataset, props.dataset);
  if (!backend) return <p className="warning">No trainer is running: new runs wait in the queue until one starts.</p>;
  return (
    <>
      {dataset && !dataset.available && (
        <p className="error card" role="alert" data-testid="dataset-missing">
          The trainer has no CIFAR-10 data, so runs will fail.{" "}
          {/* Null to a visitor without a token: where the data goes names the server's folders. */}
          {dataset.howToGet ?? "Its operator can see where to put it (sign in with an API token)."} Then restart the
          trainer.
        </p>
      )}
      <p className="muted" data-testid="backend">
        Runs train on {backend.name} — {backend.device}.
      </p>
      {(backend.warnings ?? []).map((warning) => (
        <p key={warning} className="warning" data-testid="backend-warning">
          Slower than it could be: {warning}
        </p>
      ))}
    </>
  );
}
