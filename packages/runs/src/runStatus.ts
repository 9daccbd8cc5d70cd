// Which statuses end a run for good. Plain strings, no import: the dashboard reads this too.

/**
 * Nothing more happens to a run in these. A PAUSED sweep trial waits for its rung and may train on;
 * a STOPPED one (cut at a rung) never will.
 */
export const FINAL_STATUSES = ["SUCCEEDED", "FAILED", "CANCELLED", "STOPPED"] as const;
export type FinalStatus = (typeof FINAL_STATUSES)[number];

export const isFinished = (status: string): status is FinalStatus =>
  (FINAL_STATUSES as readonly string[]).includes(status);

/** Can still change: queued, training, or waiting for its sweep's rung. */
export const isLive = (status: string) => !isFinished(status);

/**
 * Waiting to train or training: what it measured when it last stopped (a promoted sweep trial's last
 * rung) is not what this attempt will end with.
 */
export const isTraining = (status: string) => status === "QUEUED" || status === "RUNNING";
